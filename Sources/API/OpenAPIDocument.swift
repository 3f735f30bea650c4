/// The OpenAPI 3.1 description of the routes, served at `/openapi.json`. A test
/// checks that the paths here are exactly the routes the app serves.
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "BaseServe",
    "version": "0.1.0",
    "description": "An OpenAI-compatible API for base language models, with vLLM's /v1/completions semantics (prompt_logprobs, echo, logprobs) and exact scoring at /v1/score."
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["message", "type", "param", "code"], "properties": {
          "message": {"type": "string"}, "type": {"type": "string"},
          "param": {"type": ["string", "null"]},
          "code": {"type": "string", "description": "Stable and machine-readable; see the README's error codes.",
                   "enum": ["invalid_request", "unknown_parameter", "unsupported_parameter", "unsupported_media_type", "context_length_exceeded", "payload_too_large", "not_found", "method_not_allowed", "model_not_found", "invalid_api_key", "key_paused", "model_not_allowed", "budget_exceeded", "rate_limit_exceeded", "queue_full", "upstream_unreachable", "upstream_timeout", "server_draining", "service_unavailable", "client_closed_request", "internal_error"]}}}}
      },
      "Prompt": {
        "oneOf": [
          {"type": "string"},
          {"type": "array", "items": {"type": "string"}},
          {"type": "array", "items": {"type": "integer"}},
          {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
        ]
      },
      "CompletionRequest": {
        "type": "object",
        "required": ["prompt"],
        "additionalProperties": false,
        "description": "Any other field is a 400: unknown_parameter, or unsupported_parameter for a vLLM or OpenAI field BaseServe does not implement (use_beam_search true, guided_json, suffix, ...).",
        "properties": {
          "model": {"type": "string", "description": "Required unless exactly one model is served."},
          "prompt": {"$ref": "#/components/schemas/Prompt"},
          "max_tokens": {"type": ["integer", "null"], "minimum": 0, "default": 16, "description": "0 only with echo (scores the prompt); null: as many as the context leaves."},
          "echo": {"type": "boolean", "default": false},
          "logprobs": {"type": ["integer", "null"], "minimum": 0, "maximum": 20},
          "prompt_logprobs": {"type": ["integer", "null"], "minimum": -1, "maximum": 20, "description": "Defaults to logprobs when echo is set; not allowed with stream. -1: every vocabulary entry at each position (local models; at most --max-full-vocab-positions prompt positions x choices)."},
          "prompt_logprobs_encoding": {"type": ["string", "null"], "enum": ["json", "base64_float32", null], "description": "With prompt_logprobs -1 only: base64_float32 makes prompt_logprobs one {shape: [T, V], dtype, data} array of little-endian float32 logprobs, row 0 NaN."},
          "prompt_logprobs_temperature": {"type": ["number", "null"], "exclusiveMinimum": 0, "description": "Prompt logprobs are the log-softmax of logits / T (default 1); sampling is unaffected. Needs prompt_logprobs, or echo with logprobs."},
          "n": {"type": "integer", "minimum": 1, "maximum": 128, "default": 1},
          "best_of": {"type": ["integer", "null"], "minimum": 1, "maximum": 16, "description": "Sample this many sequences per prompt (at least n) and return the n with the highest cumulative logprob; all are billed. Not with stream (unless equal to n), nor above 1 when greedy."},
          "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": 1},
          "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 1},
          "top_k": {"type": "integer", "minimum": -1, "default": 0},
          "min_p": {"type": "number", "minimum": 0, "maximum": 1, "default": 0},
          "seed": {"type": ["integer", "null"]},
          "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2, "default": 0},
          "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2, "default": 0},
          "repetition_penalty": {"type": "number", "exclusiveMinimum": 0, "default": 1},
          "logit_bias": {"type": ["object", "null"], "additionalProperties": {"type": "number"}},
          "allowed_token_ids": {"type": ["array", "null"], "items": {"type": "integer"}, "minItems": 1, "description": "Only these token ids may be sampled; each must be in the vocabulary."},
          "min_tokens": {"type": "integer", "minimum": 0, "default": 0},
          "ignore_eos": {"type": "boolean", "default": false},
          "stop": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
          "stop_token_ids": {"type": ["array", "null"], "items": {"type": "integer"}},
          "include_stop_str_in_output": {"type": "boolean", "default": false},
          "add_special_tokens": {"type": "boolean", "default": true},
          "truncate_prompt_tokens": {"type": ["integer", "null"], "minimum": -1},
          "skip_special_tokens": {"type": "boolean", "default": true},
          "spaces_between_special_tokens": {"type": "boolean", "default": true},
          "return_tokens_as_token_ids": {"type": "boolean", "default": false},
          "return_token_ids": {"type": "boolean", "default": false},
          "stream": {"type": "boolean", "default": false},
          "stream_options": {"type": ["object", "null"], "additionalProperties": false, "properties": {"include_usage": {"type": "boolean"}, "continuous_usage_stats": {"type": "boolean"}}},
          "return_entropy": {"type": "boolean", "default": false, "description": "Local models only; not with stream. Adds prompt_entropy to each choice and entropies to logprobs: the entropy in nats of the whole next-token distribution."},
          "output_residual_stream": {"oneOf": [{"type": "boolean"}, {"type": "array", "items": {"type": "integer", "minimum": 0}}], "description": "Local models only; not with stream. true (every layer) or layer indices: the residual stream after those blocks, in choices[i].activations. Layers × positions are capped by the server's --max-activation-positions."},
          "apply_steering_vectors": {"type": "array", "maxItems": 8, "description": "Local models only; not with stream. After each listed block, scale × vector is added to the residual stream at the positions given (default every position).", "items": {"type": "object", "additionalProperties": false, "required": ["vector", "layer_indices", "scale"], "properties": {
            "vector": {"oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string", "description": "base64 of little-endian float32"}]},
            "layer_indices": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1},
            "scale": {"type": "number"},
            "positions": {"type": "array", "items": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2}]}}}}},
          "logit_lens": {"type": "object", "additionalProperties": false, "required": ["layers"], "description": "Local models only; not with stream. Per layer and prompt position, the top-k of log-softmax(output(norm(residual))), in choices[i].logit_lens.", "properties": {
            "layers": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1}, "top_k": {"type": "integer", "minimum": 0, "default": 5}}},
          "user": {"type": ["string", "null"], "maxLength": 256, "description": "At most 256 bytes of UTF-8 (longer: 400); recorded in usage."},
          "suffix": {"type": "null", "description": "Not supported: any value but null is a 400 (unsupported_parameter)."},
          "use_beam_search": {"const": false, "description": "Beam search is not implemented: true is a 400 (unsupported_parameter)."},
          "length_penalty": {"const": 1, "description": "Weighs beam search only: any other value is a 400 (unsupported_parameter)."},
          "priority": {"const": 0, "description": "No priority scheduling: any other value is a 400 (unsupported_parameter)."}
        }
      },
      "Logprobs": {
        "type": "object",
        "properties": {
          "tokens": {"type": "array", "items": {"type": "string"}},
          "token_logprobs": {"type": "array", "items": {"type": ["number", "null"]}},
          "top_logprobs": {"type": "array", "items": {"type": ["object", "null"], "additionalProperties": {"type": "number"}}},
          "text_offset": {"type": "array", "items": {"type": "integer"}},
          "entropies": {"type": "array", "items": {"type": ["number", "null"]}, "description": "With return_entropy: aligned with tokens, in nats."}
        }
      },
      "PromptLogprobs": {
        "type": "array",
        "items": {"type": ["object", "null"], "additionalProperties": {"type": "object", "properties": {
          "logprob": {"type": "number"}, "rank": {"type": "integer"}, "decoded_token": {"type": "string"}}}}
      },
      "Usage": {
        "type": "object",
        "properties": {"prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"},
          "prompt_tokens_details": {"type": ["object", "null"], "description": "null unless prompt tokens came from the prefix cache.",
                                    "properties": {"cached_tokens": {"type": "integer"}}}}
      },
      "CompletionResponse": {
        "type": "object",
        "properties": {
          "id": {"type": "string"}, "object": {"const": "text_completion"}, "created": {"type": "integer"}, "model": {"type": "string"},
          "system_fingerprint": {"type": "string", "description": "Local models: the engine's numerics and SIMD level, and the model file's SHA-256. Equal fingerprints are needed for bit-identical numbers."},
          "choices": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer"}, "text": {"type": "string"},
            "logprobs": {"oneOf": [{"$ref": "#/components/schemas/Logprobs"}, {"type": "null"}]},
            "finish_reason": {"enum": ["length", "stop", null]},
            "stop_reason": {"type": ["string", "integer", "null"]},
            "prompt_logprobs": {"oneOf": [{"$ref": "#/components/schemas/PromptLogprobs"}, {"type": "object", "required": ["shape", "dtype", "data"], "description": "prompt_logprobs -1 with prompt_logprobs_encoding base64_float32."}, {"type": "null"}], "description": "null unless asked for."},
            "prompt_entropy": {"type": "array", "items": {"type": ["number", "null"]}, "description": "With return_entropy: aligned with prompt_logprobs (null first), in nats."},
            "activations": {"type": "object", "description": "With output_residual_stream.", "properties": {"residual_stream": {"type": "object", "properties": {
              "layers": {"type": "array", "items": {"type": "integer"}}, "shape": {"type": "array", "items": {"type": "integer"}, "description": "[layers, positions, hidden size]"},
              "dtype": {"const": "float32"}, "data": {"type": "string", "description": "base64 of little-endian float32, row-major"}}}}},
            "logit_lens": {"type": "object", "description": "With logit_lens: per layer (as a string), entries in prompt_logprobs' format.", "additionalProperties": {"$ref": "#/components/schemas/PromptLogprobs"}},
            "prompt_token_ids": {"type": "array", "items": {"type": "integer"}},
            "token_ids": {"type": "array", "items": {"type": "integer"}}}}},
          "usage": {"$ref": "#/components/schemas/Usage"}
        }
      },
      "ScoreRequest": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "model": {"type": "string"},
          "context": {"type": "string"},
          "continuation": {"type": "string", "description": "One continuation; the same as continuations with one entry."},
          "continuations": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "maxItems": 64}],
                            "description": "At most the server's --max-score-continuations (default 64) per request."},
          "context_token_ids": {"type": "array", "items": {"type": "integer"}},
          "continuation_token_ids": {"oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}, "maxItems": 64}]},
          "items": {"type": "array", "maxItems": 64, "items": {"type": "object", "additionalProperties": false, "properties": {
            "context": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}]},
            "continuation": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}]}}}},
          "add_special_tokens": {"type": "boolean", "default": true},
          "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20, "default": 0},
          "return_tokens_as_token_ids": {"type": "boolean", "default": false},
          "apply_steering_vectors": {"$ref": "#/components/schemas/CompletionRequest/properties/apply_steering_vectors"},
          "text": {"type": "string", "description": "With rolling: the text whose perplexity is computed."},
          "rolling": {"type": "object", "additionalProperties": false, "required": ["window", "stride"], "description": "Local models only. Strided perplexity of text: windows of window tokens every stride tokens (stride < window), each scoring the tokens no earlier window scored.", "properties": {
            "window": {"type": "integer", "minimum": 2}, "stride": {"type": "integer", "minimum": 1}}}
        }
      },
      "ScoreResponse": {
        "type": "object",
        "properties": {
          "object": {"const": "score"}, "model": {"type": "string"}, "system_fingerprint": {"type": "string"},
          "data": {"type": "array", "items": {"type": "object", "properties": {
            "index": {"type": "integer"}, "logprob": {"type": "number"},
            "token_logprobs": {"type": "array", "items": {"type": ["number", "null"]}, "description": "With rolling, null for the first token."},
            "tokens": {"type": "array", "items": {"type": "string"}},
            "token_ids": {"type": "array", "items": {"type": "integer"}},
            "ranks": {"type": "array", "items": {"type": "integer"}},
            "is_greedy": {"type": "boolean"}, "num_tokens": {"type": "integer"}, "context_tokens": {"type": "integer"},
            "perplexity": {"type": "number", "description": "With rolling."}, "windows": {"type": "integer", "description": "With rolling."}}}},
          "usage": {"$ref": "#/components/schemas/Usage"}
        }
      }
    },
    "responses": {
      "Error": {"description": "An OpenAI-style error with a stable code (400 invalid request, unknown or unsupported parameter, 401 bad key, 415 body not sent as application/json, 403 model not allowed, 404 unknown model, 413 body too large, 429 over a rate limit (rate_limit_exceeded) or the key's queue (queue_full), both with Retry-After, or over a token budget (budget_exceeded, no Retry-After: it resets at the month's or day's end), 503 overloaded or shutting down). Every response carries X-Request-Id; responses to members' keys carry x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-limit-tokens and x-ratelimit-remaining-tokens for the limits that apply.",
                "headers": {
                  "X-Request-Id": {"description": "The request's id (the client's own X-Request-Id when it is 1-128 visible ASCII characters), also in the server's log and the usage row.", "schema": {"type": "string"}},
                  "Retry-After": {"description": "Seconds until the limit's window ends, or 1 for queue_full (429 only; never for budget_exceeded).", "schema": {"type": "integer"}},
                  "x-ratelimit-limit-requests": {"schema": {"type": "integer"}},
                  "x-ratelimit-remaining-requests": {"schema": {"type": "integer"}},
                  "x-ratelimit-limit-tokens": {"schema": {"type": "integer"}},
                  "x-ratelimit-remaining-tokens": {"schema": {"type": "integer"}}
                },
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/v1/completions": {
      "post": {
        "summary": "Complete or score prompts (vLLM's semantics).",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "X-Request-Id", "in": "header", "required": false, "description": "Your own id for the request, echoed back when it is 1-128 visible ASCII characters (else a new one is given).", "schema": {"type": "string"}},
          {"name": "X-Workload", "in": "header", "required": false, "description": "interactive or batch: recorded with the usage row and shown in the usage breakdown; changes no scheduling. Other values are ignored.", "schema": {"type": "string"}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionRequest"},
          "examples": {
            "echo": {"summary": "Score the prompt and two generated tokens.", "value": {"prompt": "The capital of France is", "max_tokens": 2, "echo": true, "logprobs": 1}},
            "stream": {"summary": "Stream two tokens, then the usage.", "value": {"prompt": "The capital of France is", "max_tokens": 2, "stream": true, "stream_options": {"include_usage": true}}}}}}},
        "responses": {
          "200": {"description": "The completion; with stream, server-sent events of the same shape ending with data: [DONE].",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionResponse"}},
                              "text/event-stream": {"itemSchema": {"type": "object", "required": ["data"], "properties": {
                                "data": {"type": "string", "description": "A CompletionResponse chunk as JSON, an error object, or [DONE] last."}}}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/score": {
      "post": {
        "summary": "Log-likelihoods of continuations after a context; a shared context is evaluated once.",
        "security": [{"bearer": []}],
        "parameters": [
          {"name": "X-Request-Id", "in": "header", "required": false, "description": "Your own id for the request, echoed back when it is 1-128 visible ASCII characters (else a new one is given).", "schema": {"type": "string"}},
          {"name": "X-Workload", "in": "header", "required": false, "description": "interactive or batch: recorded with the usage row and shown in the usage breakdown; changes no scheduling. Other values are ignored.", "schema": {"type": "string"}}
        ],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScoreRequest"},
          "example": {"context": "The capital of France is", "continuations": [" Paris", " Lyon"]}}}},
        "responses": {
          "200": {"description": "One result per continuation, in order.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScoreResponse"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/models": {
      "get": {
        "summary": "The models this key may use.",
        "security": [{"bearer": []}],
        "responses": {
          "200": {"description": "A list of models.", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "object": {"const": "list"},
            "data": {"type": "array", "items": {"type": "object", "properties": {
              "id": {"type": "string"}, "object": {"const": "model"}, "created": {"type": "integer"},
              "owned_by": {"type": "string"}, "max_model_len": {"type": "integer"},
              "capabilities": {"type": "object",
                "required": ["max_model_len", "max_logprobs", "prompt_logprobs", "echo", "score", "n_layers", "hidden_size", "kind"],
                "properties": {
                  "max_model_len": {"type": "integer", "description": "Prompt plus completion tokens may not exceed this."},
                  "max_logprobs": {"type": "integer", "description": "The largest logprobs / prompt_logprobs a request may ask for."},
                  "prompt_logprobs": {"type": "boolean"}, "echo": {"type": "boolean"},
                  "score": {"type": "boolean", "description": "Whether /v1/score serves this model."},
                  "n_layers": {"type": ["integer", "null"]}, "hidden_size": {"type": ["integer", "null"]},
                  "kind": {"enum": ["local", "upstream"]},
                  "sha256": {"type": "string", "description": "Local models: the SHA-256 of the GGUF file, in hex."},
                  "quantization": {"type": "string", "description": "Local models: the type of most weights (Q4_1, Q8_0, F16…)."}}}}}}}}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/tokenize": {
      "post": {
        "summary": "Token ids of a text.",
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["prompt"], "additionalProperties": false, "properties": {
          "model": {"type": "string"}, "prompt": {"type": "string"}, "add_special_tokens": {"type": "boolean", "default": true},
          "return_token_strs": {"type": "boolean", "default": false}}}}}},
        "responses": {
          "200": {"description": "The tokens.", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "count": {"type": "integer"}, "max_model_len": {"type": "integer"}, "tokens": {"type": "array", "items": {"type": "integer"}},
            "token_strs": {"type": "array", "items": {"type": "string"}}}}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/detokenize": {
      "post": {
        "summary": "The text of token ids.",
        "security": [{"bearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["tokens"], "additionalProperties": false, "properties": {
          "model": {"type": "string"}, "tokens": {"type": "array", "items": {"type": "integer"}}}}}}},
        "responses": {
          "200": {"description": "The text.", "content": {"application/json": {"schema": {"type": "object", "properties": {"prompt": {"type": "string"}}}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/tokenizer_info": {
      "get": {
        "summary": "What a client needs to tokenize as the server does (special tokens, BOS rule, length).",
        "parameters": [{"name": "model", "in": "query", "required": false, "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "Tokenizer facts.", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "tokenizer_class": {"type": "string"}, "bos_token": {"type": ["string", "null"]}, "bos_token_id": {"type": ["integer", "null"]},
            "eos_token": {"type": ["string", "null"]}, "eos_token_id": {"type": ["integer", "null"]}, "add_bos_token": {"type": "boolean"},
            "model_max_length": {"type": "integer"}, "vocab_size": {"type": "integer"}}}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/health": {"get": {"summary": "200 when ready to serve.", "responses": {"200": {"description": "Ready."}}}},
    "/version": {"get": {"summary": "The server's version.", "responses": {"200": {"description": "{\"version\": ...}"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics (for operators).", "responses": {"200": {"description": "Prometheus text format.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1 JSON."}}}}
  }
}
"""#
}
