/* Stand-in for NVIDIA's libcuda.so.1 (driver API): the exported names and prototypes of cuda.h (the
 * _v2 names are what cuda.h maps the plain names to). Build without a symbol with
 * -DSTANDIN_WITHOUT_EVENT_SYNC (a library that lacks one the agent probes). */
#include "standin.h"

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUlib_st *CUlibrary;
typedef struct CUkern_st *CUkernel;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct CUlaunchAttribute_st CUlaunchAttribute;
typedef struct CUlaunchConfig_st {
	unsigned int gridDimX, gridDimY, gridDimZ;
	unsigned int blockDimX, blockDimY, blockDimZ;
	unsigned int sharedMemBytes;
	CUstream hStream;
	CUlaunchAttribute *attrs;
	unsigned int numAttrs;
} CUlaunchConfig;

STANDIN_EXPORT CUresult cuInit(unsigned int flags) { STANDIN_MARK(1); (void)flags; return 0; }
STANDIN_EXPORT CUresult cuStreamCreate(CUstream *stream, unsigned int flags) { (void)flags; *stream = (CUstream)standin_next_handle(); return 0; }
STANDIN_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image) { (void)image; *module = (CUmodule)standin_next_handle(); return 0; }
STANDIN_EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)
{
	(void)hmod;
	if (!name || !*name)
		return 500; /* CUDA_ERROR_NOT_FOUND */
	*hfunc = (CUfunction)standin_next_handle();
	return 0;
}
STANDIN_EXPORT CUresult cuLibraryGetKernel(CUkernel *pKernel, CUlibrary library, const char *name)
{
	(void)library; (void)name;
	*pKernel = (CUkernel)standin_next_handle();
	return 0;
}

STANDIN_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
				       unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
				       unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra)
{
	STANDIN_MARK(2);
	(void)f; (void)gridDimX; (void)gridDimY; (void)gridDimZ; (void)blockDimX; (void)blockDimY; (void)blockDimZ;
	(void)sharedMemBytes; (void)hStream; (void)kernelParams; (void)extra;
	return 0;
}
STANDIN_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction f, void **kernelParams, void **extra)
{
	STANDIN_MARK(3);
	(void)config; (void)f; (void)kernelParams; (void)extra;
	return 0;
}

STANDIN_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) { (void)bytesize; *dptr = standin_next_handle(); return 0; }
STANDIN_EXPORT CUresult cuMemAllocManaged(CUdeviceptr *dptr, size_t bytesize, unsigned int flags) { (void)flags; (void)bytesize; *dptr = standin_next_handle(); return 0; }
STANDIN_EXPORT CUresult cuMemAllocAsync(CUdeviceptr *dptr, size_t bytesize, CUstream hStream) { (void)hStream; (void)bytesize; *dptr = standin_next_handle(); return 0; }
STANDIN_EXPORT CUresult cuMemAllocHost_v2(void **pp, size_t bytesize) { (void)bytesize; *pp = (void *)standin_next_handle(); return 0; }
STANDIN_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) { STANDIN_MARK(4); (void)dptr; return 0; }
STANDIN_EXPORT CUresult cuMemFreeAsync(CUdeviceptr dptr, CUstream hStream) { STANDIN_MARK(5); (void)dptr; (void)hStream; return 0; }
STANDIN_EXPORT CUresult cuMemFreeHost(void *p) { STANDIN_MARK(6); (void)p; return 0; }

STANDIN_EXPORT CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount) { STANDIN_MARK(7); (void)dst; (void)src; (void)ByteCount; return 0; }
STANDIN_EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount, CUstream hStream) { STANDIN_MARK(8); (void)dst; (void)src; (void)ByteCount; (void)hStream; return 0; }
STANDIN_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount) { STANDIN_MARK(9); (void)dstDevice; (void)srcHost; (void)ByteCount; return 0; }
STANDIN_EXPORT CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount) { STANDIN_MARK(10); (void)dstHost; (void)srcDevice; (void)ByteCount; return 0; }
STANDIN_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount) { STANDIN_MARK(11); (void)dstDevice; (void)srcDevice; (void)ByteCount; return 0; }
STANDIN_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) { STANDIN_MARK(12); (void)dstDevice; (void)srcHost; (void)ByteCount; (void)hStream; return 0; }
STANDIN_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) { STANDIN_MARK(13); (void)dstHost; (void)srcDevice; (void)ByteCount; (void)hStream; return 0; }
STANDIN_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) { STANDIN_MARK(14); (void)dstDevice; (void)srcDevice; (void)ByteCount; (void)hStream; return 0; }
STANDIN_EXPORT CUresult cuMemcpyPeer(CUdeviceptr dstDevice, CUcontext dstContext, CUdeviceptr srcDevice, CUcontext srcContext, size_t ByteCount) { STANDIN_MARK(15); (void)dstDevice; (void)dstContext; (void)srcDevice; (void)srcContext; (void)ByteCount; return 0; }
STANDIN_EXPORT CUresult cuMemcpyPeerAsync(CUdeviceptr dstDevice, CUcontext dstContext, CUdeviceptr srcDevice, CUcontext srcContext, size_t ByteCount, CUstream hStream) { STANDIN_MARK(16); (void)dstDevice; (void)dstContext; (void)srcDevice; (void)srcContext; (void)ByteCount; (void)hStream; return 0; }

STANDIN_EXPORT CUresult cuStreamSynchronize(CUstream hStream) { (void)hStream; standin_wait_for_device(); return 0; }
STANDIN_EXPORT CUresult cuCtxSynchronize(void) { STANDIN_MARK(17); standin_wait_for_device(); return 0; }
#ifndef STANDIN_WITHOUT_EVENT_SYNC
STANDIN_EXPORT CUresult cuEventSynchronize(CUevent hEvent) { STANDIN_MARK(18); (void)hEvent; standin_wait_for_device(); return 0; }
#endif
STANDIN_EXPORT CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream) { STANDIN_MARK(19); (void)hGraphExec; (void)hStream; return 0; }
