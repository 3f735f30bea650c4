// Umbrella header of BaseServe's C kernels. Swift sees everything through this file.
#pragma once
#include "kc_pool.h"
#include "kc_quant.h"
#include "kc_gemm.h"
#include "kc_vec.h"
#include "kc_memory.h"
