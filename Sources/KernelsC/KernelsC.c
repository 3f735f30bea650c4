#include "KernelsC.h"
