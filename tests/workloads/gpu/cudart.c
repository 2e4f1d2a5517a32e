/* Stand-in for NVIDIA's libcudart.so.12 (runtime API): the exported names and prototypes of
 * cuda_runtime_api.h. dim3 goes by value, in two registers each (x86-64 SysV). */
#include "standin.h"

typedef int cudaError_t;
typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;
typedef struct CUgraphExec_st *cudaGraphExec_t;
typedef struct dim3 { unsigned int x, y, z; } dim3;
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3, cudaMemcpyDefault = 4 };
typedef struct cudaLaunchAttribute_st cudaLaunchAttribute;
typedef struct cudaLaunchConfig_st {
	dim3 gridDim;
	dim3 blockDim;
	size_t dynamicSmemBytes;
	cudaStream_t stream;
	cudaLaunchAttribute *attrs;
	unsigned int numAttrs;
} cudaLaunchConfig_t;

STANDIN_EXPORT cudaError_t cudaStreamCreate(cudaStream_t *pStream) { *pStream = (cudaStream_t)standin_next_handle(); return 0; }
STANDIN_EXPORT cudaError_t cudaLaunchKernel(const void *func, dim3 gridDim, dim3 blockDim, void **args, size_t sharedMem, cudaStream_t stream)
{
	STANDIN_MARK(1);
	(void)func; (void)gridDim; (void)blockDim; (void)args; (void)sharedMem; (void)stream;
	return 0;
}
STANDIN_EXPORT cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t *config, const void *func, void **args)
{
	STANDIN_MARK(2);
	(void)config; (void)func; (void)args;
	return 0;
}
STANDIN_EXPORT cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind) { STANDIN_MARK(3); (void)dst; (void)src; (void)count; (void)kind; return 0; }
STANDIN_EXPORT cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream) { STANDIN_MARK(4); (void)dst; (void)src; (void)count; (void)kind; (void)stream; return 0; }
STANDIN_EXPORT cudaError_t cudaMemcpyPeer(void *dst, int dstDevice, const void *src, int srcDevice, size_t count) { STANDIN_MARK(5); (void)dst; (void)dstDevice; (void)src; (void)srcDevice; (void)count; return 0; }
STANDIN_EXPORT cudaError_t cudaMemcpyPeerAsync(void *dst, int dstDevice, const void *src, int srcDevice, size_t count, cudaStream_t stream) { STANDIN_MARK(6); (void)dst; (void)dstDevice; (void)src; (void)srcDevice; (void)count; (void)stream; return 0; }
STANDIN_EXPORT cudaError_t cudaMalloc(void **devPtr, size_t size) { (void)size; *devPtr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT cudaError_t cudaMallocHost(void **ptr, size_t size) { (void)size; *ptr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT cudaError_t cudaMallocManaged(void **devPtr, size_t size, unsigned int flags) { (void)size; (void)flags; *devPtr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT cudaError_t cudaMallocAsync(void **devPtr, size_t size, cudaStream_t stream) { (void)size; (void)stream; *devPtr = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT cudaError_t cudaFree(void *devPtr) { STANDIN_MARK(7); (void)devPtr; return 0; }
STANDIN_EXPORT cudaError_t cudaFreeHost(void *ptr) { STANDIN_MARK(8); (void)ptr; return 0; }
STANDIN_EXPORT cudaError_t cudaFreeAsync(void *devPtr, cudaStream_t stream) { STANDIN_MARK(9); (void)devPtr; (void)stream; return 0; }
STANDIN_EXPORT cudaError_t cudaDeviceSynchronize(void) { STANDIN_MARK(10); standin_wait_for_device(); return 0; }
STANDIN_EXPORT cudaError_t cudaStreamSynchronize(cudaStream_t stream) { STANDIN_MARK(11); (void)stream; standin_wait_for_device(); return 0; }
STANDIN_EXPORT cudaError_t cudaEventSynchronize(cudaEvent_t event) { STANDIN_MARK(12); (void)event; standin_wait_for_device(); return 0; }
STANDIN_EXPORT cudaError_t cudaGraphLaunch(cudaGraphExec_t graphExec, cudaStream_t stream) { STANDIN_MARK(13); (void)graphExec; (void)stream; return 0; }
