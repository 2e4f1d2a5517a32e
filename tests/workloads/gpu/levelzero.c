/* Stand-in for Intel's libze_loader.so.1 (oneAPI Level Zero): the exported names and prototypes of
 * ze_api.h. */
#include "standin.h"

typedef int ze_result_t;
typedef struct _ze_context_handle_t *ze_context_handle_t;
typedef struct _ze_device_handle_t *ze_device_handle_t;
typedef struct _ze_module_handle_t *ze_module_handle_t;
typedef struct _ze_kernel_handle_t *ze_kernel_handle_t;
typedef struct _ze_command_list_handle_t *ze_command_list_handle_t;
typedef struct _ze_command_queue_handle_t *ze_command_queue_handle_t;
typedef struct _ze_fence_handle_t *ze_fence_handle_t;
typedef struct _ze_event_handle_t *ze_event_handle_t;
typedef struct _ze_group_count_t { uint32_t groupCountX, groupCountY, groupCountZ; } ze_group_count_t;
typedef struct _ze_kernel_desc_t { uint32_t stype; const void *pNext; uint32_t flags; const char *pKernelName; } ze_kernel_desc_t;
typedef struct _ze_device_mem_alloc_desc_t { uint32_t stype; const void *pNext; uint32_t flags; uint32_t ordinal; } ze_device_mem_alloc_desc_t;
typedef struct _ze_host_mem_alloc_desc_t { uint32_t stype; const void *pNext; uint32_t flags; } ze_host_mem_alloc_desc_t;

STANDIN_EXPORT ze_result_t zeKernelCreate(ze_module_handle_t hModule, const ze_kernel_desc_t *desc, ze_kernel_handle_t *phKernel)
{
	(void)hModule; (void)desc;
	*phKernel = (ze_kernel_handle_t)standin_next_handle();
	return 0;
}
STANDIN_EXPORT ze_result_t zeKernelSetGroupSize(ze_kernel_handle_t hKernel, uint32_t groupSizeX, uint32_t groupSizeY, uint32_t groupSizeZ) { STANDIN_MARK(1); (void)hKernel; (void)groupSizeX; (void)groupSizeY; (void)groupSizeZ; return 0; }
STANDIN_EXPORT ze_result_t zeCommandListAppendLaunchKernel(ze_command_list_handle_t hCommandList, ze_kernel_handle_t hKernel, const ze_group_count_t *pLaunchFuncArgs,
							    ze_event_handle_t hSignalEvent, uint32_t numWaitEvents, ze_event_handle_t *phWaitEvents)
{
	STANDIN_MARK(2);
	(void)hCommandList; (void)hKernel; (void)pLaunchFuncArgs; (void)hSignalEvent; (void)numWaitEvents; (void)phWaitEvents;
	return 0;
}
STANDIN_EXPORT ze_result_t zeCommandListAppendMemoryCopy(ze_command_list_handle_t hCommandList, void *dstptr, const void *srcptr, size_t size,
							  ze_event_handle_t hSignalEvent, uint32_t numWaitEvents, ze_event_handle_t *phWaitEvents)
{
	STANDIN_MARK(3);
	(void)hCommandList; (void)dstptr; (void)srcptr; (void)size; (void)hSignalEvent; (void)numWaitEvents; (void)phWaitEvents;
	return 0;
}
STANDIN_EXPORT ze_result_t zeCommandQueueExecuteCommandLists(ze_command_queue_handle_t hCommandQueue, uint32_t numCommandLists, ze_command_list_handle_t *phCommandLists, ze_fence_handle_t hFence)
{
	STANDIN_MARK(4);
	(void)hCommandQueue; (void)numCommandLists; (void)phCommandLists; (void)hFence;
	return 0;
}
STANDIN_EXPORT ze_result_t zeFenceHostSynchronize(ze_fence_handle_t hFence, uint64_t timeout) { STANDIN_MARK(5); (void)hFence; (void)timeout; standin_wait_for_device(); return 0; }
STANDIN_EXPORT ze_result_t zeEventHostSynchronize(ze_event_handle_t hEvent, uint64_t timeout) { STANDIN_MARK(6); (void)hEvent; (void)timeout; standin_wait_for_device(); return 0; }
STANDIN_EXPORT ze_result_t zeCommandQueueSynchronize(ze_command_queue_handle_t hCommandQueue, uint64_t timeout) { STANDIN_MARK(7); (void)hCommandQueue; (void)timeout; standin_wait_for_device(); return 0; }
STANDIN_EXPORT ze_result_t zeMemAllocDevice(ze_context_handle_t hContext, const ze_device_mem_alloc_desc_t *device_desc, size_t size, size_t alignment, ze_device_handle_t hDevice, void **pptr)
{
	(void)hContext; (void)device_desc; (void)size; (void)alignment; (void)hDevice;
	*pptr = (void *)standin_next_handle();
	return 0;
}
STANDIN_EXPORT ze_result_t zeMemAllocHost(ze_context_handle_t hContext, const ze_host_mem_alloc_desc_t *host_desc, size_t size, size_t alignment, void **pptr)
{
	(void)hContext; (void)host_desc; (void)size; (void)alignment;
	*pptr = (void *)standin_next_handle();
	return 0;
}
STANDIN_EXPORT ze_result_t zeMemAllocShared(ze_context_handle_t hContext, const ze_device_mem_alloc_desc_t *device_desc, const ze_host_mem_alloc_desc_t *host_desc,
					     size_t size, size_t alignment, ze_device_handle_t hDevice, void **pptr)
{
	(void)hContext; (void)device_desc; (void)host_desc; (void)size; (void)alignment; (void)hDevice;
	*pptr = (void *)standin_next_handle();
	return 0;
}
STANDIN_EXPORT ze_result_t zeMemFree(ze_context_handle_t hContext, void *ptr) { STANDIN_MARK(8); (void)hContext; (void)ptr; return 0; }
