// The Engine module.
