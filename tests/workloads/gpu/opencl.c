/* Stand-in for the OpenCL ICD loader libOpenCL.so.1: the exported names and prototypes of CL/cl.h. */
#include "standin.h"

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint32_t cl_bool;
typedef uint64_t cl_mem_flags;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_event *cl_event;

STANDIN_EXPORT cl_kernel clCreateKernel(cl_program program, const char *kernel_name, cl_int *errcode_ret)
{
	(void)program; (void)kernel_name;
	if (errcode_ret)
		*errcode_ret = 0;
	return (cl_kernel)standin_next_handle();
}
STANDIN_EXPORT cl_mem clCreateBuffer(cl_context context, cl_mem_flags flags, size_t size, void *host_ptr, cl_int *errcode_ret)
{
	(void)context; (void)flags; (void)size; (void)host_ptr;
	if (errcode_ret)
		*errcode_ret = 0;
	return (cl_mem)standin_next_handle();
}
STANDIN_EXPORT cl_int clReleaseMemObject(cl_mem memobj) { STANDIN_MARK(1); (void)memobj; return 0; }
STANDIN_EXPORT cl_int clEnqueueNDRangeKernel(cl_command_queue command_queue, cl_kernel kernel, cl_uint work_dim, const size_t *global_work_offset,
					     const size_t *global_work_size, const size_t *local_work_size, cl_uint num_events_in_wait_list,
					     const cl_event *event_wait_list, cl_event *event)
{
	STANDIN_MARK(2);
	(void)command_queue; (void)kernel; (void)work_dim; (void)global_work_offset; (void)global_work_size; (void)local_work_size;
	(void)num_events_in_wait_list; (void)event_wait_list; (void)event;
	return 0;
}
STANDIN_EXPORT cl_int clEnqueueReadBuffer(cl_command_queue command_queue, cl_mem buffer, cl_bool blocking_read, size_t offset, size_t size, void *ptr,
					  cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event)
{
	STANDIN_MARK(3);
	(void)command_queue; (void)buffer; (void)blocking_read; (void)offset; (void)size; (void)ptr; (void)num_events_in_wait_list; (void)event_wait_list; (void)event;
	return 0;
}
STANDIN_EXPORT cl_int clEnqueueWriteBuffer(cl_command_queue command_queue, cl_mem buffer, cl_bool blocking_write, size_t offset, size_t size, const void *ptr,
					   cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event)
{
	STANDIN_MARK(4);
	(void)command_queue; (void)buffer; (void)blocking_write; (void)offset; (void)size; (void)ptr; (void)num_events_in_wait_list; (void)event_wait_list; (void)event;
	return 0;
}
STANDIN_EXPORT cl_int clEnqueueCopyBuffer(cl_command_queue command_queue, cl_mem src_buffer, cl_mem dst_buffer, size_t src_offset, size_t dst_offset, size_t size,
					  cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event)
{
	STANDIN_MARK(5);
	(void)command_queue; (void)src_buffer; (void)dst_buffer; (void)src_offset; (void)dst_offset; (void)size; (void)num_events_in_wait_list; (void)event_wait_list; (void)event;
	return 0;
}
STANDIN_EXPORT cl_int clFinish(cl_command_queue command_queue) { STANDIN_MARK(6); (void)command_queue; standin_wait_for_device(); return 0; }
STANDIN_EXPORT cl_int clWaitForEvents(cl_uint num_events, const cl_event *event_list) { STANDIN_MARK(7); (void)num_events; (void)event_list; standin_wait_for_device(); return 0; }
