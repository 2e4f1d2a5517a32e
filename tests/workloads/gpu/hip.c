/* Stand-in for AMD's libamdhip64.so (HIP): the exported names and prototypes of hip_runtime_api.h.
 * hipLaunchKernel has cudaLaunchKernel's ABI, hipModuleLaunchKernel cuLaunchKernel's. */
#include "standin.h"

typedef int hipError_t;
typedef struct ihipStream_t *hipStream_t;
typedef struct ihipEvent_t *hipEvent_t;
typedef struct ihipModule_t *hipModule_t;
typedef struct ihipModuleSymbol_t *hipFunction_t;
typedef struct hipGraphExec *hipGraphExec_t;
typedef void *hipDeviceptr_t;
typedef struct dim3 { uint32_t x, y, z; } dim3;
typedef enum hipMemcpyKind { hipMemcpyHostToHost = 0, hipMemcpyHostToDevice = 1, hipMemcpyDeviceToHost = 2, hipMemcpyDeviceToDevice = 3, hipMemcpyDefault = 4 } hipMemcpyKind;

STANDIN_EXPORT hipError_t hipStreamCreate(hipStream_t *stream) { *stream = (hipStream_t)standin_next_handle(); return 0; }
STANDIN_EXPORT hipError_t hipModuleLoadData(hipModule_t *module, const void *image) { (void)image; *module = (hipModule_t)standin_next_handle(); return 0; }
STANDIN_EXPORT hipError_t hipModuleGetFunction(hipFunction_t *function, hipModule_t module, const char *kname) { (void)module; (void)kname; *function = (hipFunction_t)standin_next_handle(); return 0; }
STANDIN_EXPORT hipError_t hipLaunchKernel(const void *function_address, dim3 numBlocks, dim3 dimBlocks, void **args, size_t sharedMemBytes, hipStream_t stream)
{
	STANDIN_MARK(1);
	(void)function_address; (void)numBlocks; (void)dimBlocks; (void)args; (void)sharedMemBytes; (void)stream;
	return 0;
}
STANDIN_EXPORT hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
						unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
						unsigned int sharedMemBytes, hipStream_t stream, void **kernelParams, void **extra)
{
	STANDIN_MARK(2);
	(void)f; (void)gridDimX; (void)gridDimY; (void)gridDimZ; (void)blockDimX; (void)blockDimY; (void)blockDimZ;
	(void)sharedMemBytes; (void)stream; (void)kernelParams; (void)extra;
	return 0;
}
STANDIN_EXPORT hipError_t hipMemcpy(void *dst, const void *src, size_t sizeBytes, hipMemcpyKind kind) { STANDIN_MARK(3); (void)dst; (void)src; (void)sizeBytes; (void)kind; return 0; }
STANDIN_EXPORT hipError_t hipMemcpyAsync(void *dst, const void *src, size_t sizeBytes, hipMemcpyKind kind, hipStream_t stream) { STANDIN_MARK(4); (void)dst; (void)src; (void)sizeBytes; (void)kind; (void)stream; return 0; }
STANDIN_EXPORT hipError_t hipMemcpyHtoD(hipDeviceptr_t dst, void *src, size_t sizeBytes) { STANDIN_MARK(5); (void)dst; (void)src; (void)sizeBytes; return 0; }
STANDIN_EXPORT hipError_t hipMemcpyDtoH(void *dst, hipDeviceptr_t src, size_t sizeBytes) { STANDIN_MARK(6); (void)dst; (void)src; (void)sizeBytes; return 0; }
STANDIN_EXPORT hipError_t hipMemcpyDtoD(hipDeviceptr_t dst, hipDeviceptr_t src, size_t sizeBytes) { STANDIN_MARK(7); (void)dst; (void)src; (void)sizeBytes; return 0; }
STANDIN_EXPORT hipError_t hipMemcpyHtoDAsync(hipDeviceptr_t dst, void *src, size_t sizeBytes, hipStream_t stream) { STANDIN_MARK(8); (void)dst; (void)src; (void)sizeBytes; (void)stream; return 0; }
STANDIN_EXPORT hipError_t hipMemcpyDtoHAsync(void *dst, hipDeviceptr_t src, size_t sizeBytes, hipStream_t stream) { STANDIN_MARK(9); (void)dst; (void)src; (void)sizeBytes; (void)stream; return 0; }
STANDIN_EXPORT hipError_t hipMalloc(void **ptr, size_t size) { (void)size; *ptr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT hipError_t hipMallocManaged(void **dev_ptr, size_t size, unsigned int flags) { (void)size; (void)flags; *dev_ptr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT hipError_t hipHostMalloc(void **ptr, size_t size, unsigned int flags) { (void)size; (void)flags; *ptr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT hipError_t hipFree(void *ptr) { STANDIN_MARK(10); (void)ptr; return 0; }
STANDIN_EXPORT hipError_t hipHostFree(void *ptr) { STANDIN_MARK(11); (void)ptr; return 0; }
STANDIN_EXPORT hipError_t hipDeviceSynchronize(void) { STANDIN_MARK(12); standin_wait_for_device(); return 0; }
STANDIN_EXPORT hipError_t hipStreamSynchronize(hipStream_t stream) { STANDIN_MARK(13); (void)stream; standin_wait_for_device(); return 0; }
STANDIN_EXPORT hipError_t hipEventSynchronize(hipEvent_t event) { STANDIN_MARK(14); (void)event; standin_wait_for_device(); return 0; }
STANDIN_EXPORT hipError_t hipGraphLaunch(hipGraphExec_t graphExec, hipStream_t stream) { STANDIN_MARK(15); (void)graphExec; (void)stream; return 0; }
