/*
 * The calls gpu_driver.c makes, one section per API: resolve (dlsym), setup, one step of the pattern,
 * one launch (for the loops of the benchmark), teardown. Included once, by gpu_driver.c, which defines
 * need(), need_untraced(), before_sync(), host, MIB and the stubs before it.
 */
#ifndef GPU_DRIVER_APIS_H
#define GPU_DRIVER_APIS_H

/* --- one table of calls per API --------------------------------------------------------------- */

struct api {
	void (*resolve)(void);
	void (*setup)(void);
	void (*step)(int step);
	void (*launch)(void);
	void (*teardown)(void);
};

/* CUDA driver API */
static int (*cuInit)(unsigned);
static int (*cuStreamCreate)(void **, unsigned);
static int (*cuModuleLoadData)(void **, const void *);
static int (*cuModuleGetFunction)(void **, void *, const char *);
static int (*cuLaunchKernel)(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void *, void **, void **);
static int (*cuMemAlloc_v2)(unsigned long long *, size_t);
static int (*cuMemFree_v2)(unsigned long long);
static int (*cuMemcpyHtoD_v2)(unsigned long long, const void *, size_t);
static int (*cuMemcpyDtoH_v2)(void *, unsigned long long, size_t);
static int (*cuStreamSynchronize)(void *);
static void *cu_stream, *cu_module, *cu_kernels[2];
static unsigned long long cu_buffer;

static void cuda_resolve(void)
{
	cuInit = need_untraced("cuInit");
	cuStreamCreate = need_untraced("cuStreamCreate");
	cuModuleLoadData = need("cuModuleLoadData");
	cuModuleGetFunction = need("cuModuleGetFunction");
	cuLaunchKernel = need("cuLaunchKernel");
	cuMemAlloc_v2 = need("cuMemAlloc_v2");
	cuMemFree_v2 = need("cuMemFree_v2");
	cuMemcpyHtoD_v2 = need("cuMemcpyHtoD_v2");
	cuMemcpyDtoH_v2 = need("cuMemcpyDtoH_v2");
	cuStreamSynchronize = need("cuStreamSynchronize");
}
static void cuda_setup(void)
{
	cuInit(0);
	cuStreamCreate(&cu_stream, 0);
	cuModuleLoadData(&cu_module, host);
	cuModuleGetFunction(&cu_kernels[0], cu_module, "vector_add");
	cuModuleGetFunction(&cu_kernels[1], cu_module, "scale_kernel");
	cuMemAlloc_v2(&cu_buffer, MIB);
}
static void cuda_launch_one(int i)
{
	void *params[] = { &cu_buffer };

	cuLaunchKernel(cu_kernels[i & 1], 256, 2, 1, 128, 1, 1, 0, cu_stream, params, NULL);
}
static void cuda_launch(void) { cuda_launch_one(0); }
static void cuda_step(int step)
{
	cuMemcpyHtoD_v2(cu_buffer, host, MIB);
	for (int i = 0; i < 4; i++)
		cuda_launch_one(i);
	before_sync(step);
	cuStreamSynchronize(cu_stream);
	cuMemcpyDtoH_v2(host, cu_buffer, MIB);
}
static void cuda_teardown(void) { cuMemFree_v2(cu_buffer); }

/* CUDA runtime API (and HIP, whose runtime calls have the same shapes) */
static int (*rt_stream_create)(void **);
static int (*rt_launch)(const void *, dim3, dim3, void **, size_t, void *);
static int (*rt_memcpy)(void *, const void *, size_t, int);
static int (*rt_malloc)(void **, size_t);
static int (*rt_free)(void *);
static int (*rt_stream_sync)(void *);
static void *rt_stream, *rt_buffer;

static void cudart_resolve(void)
{
	rt_stream_create = need_untraced("cudaStreamCreate");
	rt_launch = need("cudaLaunchKernel");
	rt_memcpy = need("cudaMemcpy");
	rt_malloc = need("cudaMalloc");
	rt_free = need("cudaFree");
	rt_stream_sync = need("cudaStreamSynchronize");
}
static void hip_resolve(void)
{
	rt_stream_create = need_untraced("hipStreamCreate");
	rt_launch = need("hipLaunchKernel");
	rt_memcpy = need("hipMemcpy");
	rt_malloc = need("hipMalloc");
	rt_free = need("hipFree");
	rt_stream_sync = need("hipStreamSynchronize");
}
static void rt_setup(void)
{
	rt_stream_create(&rt_stream);
	rt_malloc(&rt_buffer, MIB);
}
static void rt_launch_one(int i)
{
	dim3 grid = { 256, 2, 1 }, block = { 128, 1, 1 };
	void *args[] = { &rt_buffer };

	rt_launch(i & 1 ? (const void *)scale_stub : (const void *)vector_add_stub, grid, block, args, 0, rt_stream);
}
static void rt_launch_first(void) { rt_launch_one(0); }
static void rt_step(int step)
{
	rt_memcpy(rt_buffer, host, MIB, 1);
	for (int i = 0; i < 4; i++)
		rt_launch_one(i);
	before_sync(step);
	rt_stream_sync(rt_stream);
	rt_memcpy(host, rt_buffer, MIB, 2);
}
static void rt_teardown(void) { rt_free(rt_buffer); }

/* Level Zero */
static int (*zeKernelCreate)(void *, const ze_kernel_desc_t *, void **);
static int (*zeCommandListAppendLaunchKernel)(void *, void *, const ze_group_count_t *, void *, uint32_t, void **);
static int (*zeCommandListAppendMemoryCopy)(void *, void *, const void *, size_t, void *, uint32_t, void **);
static int (*zeCommandQueueExecuteCommandLists)(void *, uint32_t, void **, void *);
static int (*zeFenceHostSynchronize)(void *, uint64_t);
static int (*zeMemAllocDevice)(void *, const void *, size_t, size_t, void *, void **);
static int (*zeMemFree)(void *, void *);
static void *ze_list = (void *)0x1100, *ze_queue = (void *)0x1200, *ze_fence = (void *)0x1300, *ze_kernel, *ze_buffer;

static void ze_resolve(void)
{
	zeKernelCreate = need("zeKernelCreate");
	zeCommandListAppendLaunchKernel = need("zeCommandListAppendLaunchKernel");
	zeCommandListAppendMemoryCopy = need("zeCommandListAppendMemoryCopy");
	zeCommandQueueExecuteCommandLists = need("zeCommandQueueExecuteCommandLists");
	zeFenceHostSynchronize = need("zeFenceHostSynchronize");
	zeMemAllocDevice = need("zeMemAllocDevice");
	zeMemFree = need("zeMemFree");
}
static void ze_setup(void)
{
	ze_kernel_desc_t desc = { .stype = 0x1d, .pKernelName = "ze_vector_add" };
	uint32_t mem_desc[6] = { 0 };

	zeKernelCreate((void *)0x1400, &desc, &ze_kernel);
	zeMemAllocDevice((void *)0x1500, mem_desc, MIB, 64, (void *)0x1600, &ze_buffer);
}
static void ze_launch(void)
{
	ze_group_count_t groups = { 256, 2, 1 };

	zeCommandListAppendLaunchKernel(ze_list, ze_kernel, &groups, NULL, 0, NULL);
}
static void ze_step(int step)
{
	zeCommandListAppendMemoryCopy(ze_list, ze_buffer, host, MIB, NULL, 0, NULL);
	for (int i = 0; i < 4; i++)
		ze_launch();
	zeCommandQueueExecuteCommandLists(ze_queue, 1, &ze_list, ze_fence);
	before_sync(step);
	zeFenceHostSynchronize(ze_fence, UINT64_MAX);
	zeCommandListAppendMemoryCopy(ze_list, host, ze_buffer, MIB, NULL, 0, NULL);
}
static void ze_teardown(void) { zeMemFree((void *)0x1500, ze_buffer); }

/* OpenCL */
static void *(*clCreateKernel)(void *, const char *, int32_t *);
static void *(*clCreateBuffer)(void *, uint64_t, size_t, void *, int32_t *);
static int32_t (*clReleaseMemObject)(void *);
static int32_t (*clEnqueueNDRangeKernel)(void *, void *, uint32_t, const size_t *, const size_t *, const size_t *, uint32_t, const void *, void *);
static int32_t (*clEnqueueWriteBuffer)(void *, void *, uint32_t, size_t, size_t, const void *, uint32_t, const void *, void *);
static int32_t (*clEnqueueReadBuffer)(void *, void *, uint32_t, size_t, size_t, void *, uint32_t, const void *, void *);
static int32_t (*clFinish)(void *);
static void *cl_queue = (void *)0x2100, *cl_kernel, *cl_buffer;

static void cl_resolve(void)
{
	clCreateKernel = need("clCreateKernel");
	clCreateBuffer = need("clCreateBuffer");
	clReleaseMemObject = need("clReleaseMemObject");
	clEnqueueNDRangeKernel = need("clEnqueueNDRangeKernel");
	clEnqueueWriteBuffer = need("clEnqueueWriteBuffer");
	clEnqueueReadBuffer = need("clEnqueueReadBuffer");
	clFinish = need("clFinish");
}
static void cl_setup(void)
{
	int32_t err;

	cl_kernel = clCreateKernel((void *)0x2200, "cl_vector_add", &err);
	cl_buffer = clCreateBuffer((void *)0x2300, 1 /* CL_MEM_READ_WRITE */, MIB, NULL, &err);
}
static void cl_launch(void)
{
	size_t global[3] = { 65536, 2, 1 }, local[3] = { 128, 1, 1 };

	clEnqueueNDRangeKernel(cl_queue, cl_kernel, 2, NULL, global, local, 0, NULL, NULL);
}
static void cl_step(int step)
{
	clEnqueueWriteBuffer(cl_queue, cl_buffer, 0, 0, MIB, host, 0, NULL, NULL);
	for (int i = 0; i < 4; i++)
		cl_launch();
	before_sync(step);
	clFinish(cl_queue);
	clEnqueueReadBuffer(cl_queue, cl_buffer, 1, 0, MIB, host, 0, NULL, NULL);
}
static void cl_teardown(void) { clReleaseMemObject(cl_buffer); }

static const struct {
	const char *vendor;
	struct api api;
} apis[] = {
	{ "cuda", { cuda_resolve, cuda_setup, cuda_step, cuda_launch, cuda_teardown } },
	{ "cudart", { cudart_resolve, rt_setup, rt_step, rt_launch_first, rt_teardown } },
	{ "hip", { hip_resolve, rt_setup, rt_step, rt_launch_first, rt_teardown } },
	{ "levelzero", { ze_resolve, ze_setup, ze_step, ze_launch, ze_teardown } },
	{ "opencl", { cl_resolve, cl_setup, cl_step, cl_launch, cl_teardown } },
};

#endif
