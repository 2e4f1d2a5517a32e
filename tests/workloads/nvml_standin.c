// A stand-in for NVIDIA's libnvidia-ml.so.1: the same exported symbols, signatures and structs as
// nvml.h, answering known values, so that the accel source's loading and decoding run for real on a
// machine without a GPU. Built by the kernel tests as libnvidia-ml.so.1 and found through
// LD_LIBRARY_PATH.
//
// Two GPUs. GPU 0 answers everything; GPU 1 answers NOT_SUPPORTED for utilisation, power, PCIe and
// clock event reasons (as some boards and MIG modes do). NVML_STANDIN_PID names the process shown as
// running on GPU 0 (512 MiB, SM 42 %, memory 7 %, decoder 3 %); a second one, pid 4194303, has
// NVML_VALUE_NOT_AVAILABLE memory. NVML_STANDIN_INIT_FAIL=1 makes nvmlInit fail with
// NVML_ERROR_DRIVER_NOT_LOADED.
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NOT_FOUND = 6,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
};

typedef struct nvmlUtilization_st {
	unsigned int gpu;
	unsigned int memory;
} nvmlUtilization_t;

typedef struct nvmlMemory_st {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_t;

typedef struct nvmlMemory_v2_st {
	unsigned int version;
	unsigned long long total;
	unsigned long long reserved;
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_v2_t;

#define nvmlMemory_v2 ((unsigned int)(sizeof(nvmlMemory_v2_t) | (2 << 24U)))

typedef struct nvmlProcessInfo_st {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId;
	unsigned int computeInstanceId;
} nvmlProcessInfo_t;

typedef struct nvmlProcessUtilizationSample_st {
	unsigned int pid;
	unsigned long long timeStamp;
	unsigned int smUtil;
	unsigned int memUtil;
	unsigned int encUtil;
	unsigned int decUtil;
} nvmlProcessUtilizationSample_t;

static struct nvmlDevice_st {
	int index;
} devices[2] = { { 0 }, { 1 } };

static int initialised;

nvmlReturn_t nvmlInit_v2(void)
{
	const char *fail = getenv("NVML_STANDIN_INIT_FAIL");
	if (fail && strcmp(fail, "1") == 0)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	initialised = 1;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
	initialised = 0;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
	switch (result) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
	case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
	default: return "Unknown Error";
	}
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
	if (!initialised)
		return NVML_ERROR_UNINITIALIZED;
	*deviceCount = 2;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	if (index > 1)
		return NVML_ERROR_INVALID_ARGUMENT;
	*device = &devices[index];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	const char *names[] = { "Stand-in GPU 0", "Stand-in GPU 1" };
	if (length < 16)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	strcpy(name, names[device->index]);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
	if (device->index == 1)
		return NVML_ERROR_NOT_SUPPORTED;
	utilization->gpu = 37;
	utilization->memory = 12;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
	memory->total = 85899345920ULL;
	memory->used = device->index == 0 ? 1234567890ULL : 1000ULL;
	memory->free = memory->total - memory->used;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory)
{
	if (memory->version != nvmlMemory_v2)
		return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	memory->total = 85899345920ULL;
	memory->reserved = 1ULL << 20;
	memory->used = device->index == 0 ? 1234567890ULL : 1000ULL;
	memory->free = memory->total - memory->reserved - memory->used;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	if (device->index == 1)
		return NVML_ERROR_NOT_SUPPORTED;
	*power = 215500;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temp)
{
	if (sensorType != 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	*temp = device->index == 0 ? 61 : 40;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
	switch (type) {
	case 1: *clock = device->index == 0 ? 1755 : 210; return NVML_SUCCESS;  /* NVML_CLOCK_SM */
	case 2: *clock = device->index == 0 ? 2619 : 405; return NVML_SUCCESS;  /* NVML_CLOCK_MEM */
	default: return NVML_ERROR_INVALID_ARGUMENT;
	}
}

nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t device, int counter, unsigned int *value)
{
	if (device->index == 1)
		return NVML_ERROR_NOT_SUPPORTED;
	*value = counter == 1 ? 12345 : 678; /* RX_BYTES : TX_BYTES, KB/s */
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *reasons)
{
	if (device->index == 1)
		return NVML_ERROR_NOT_SUPPORTED;
	*reasons = 0x4ULL | 0x20ULL; /* SwPowerCap | SwThermalSlowdown */
	return NVML_SUCCESS;
}

static unsigned int standin_pid(void)
{
	const char *pid = getenv("NVML_STANDIN_PID");
	return pid ? (unsigned int)strtoul(pid, NULL, 10) : 0;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos)
{
	unsigned int pid = standin_pid();
	unsigned int n = device->index == 0 && pid ? 2 : 0;
	if (*infoCount < n || (n > 0 && !infos)) {
		*infoCount = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	*infoCount = n;
	if (n) {
		infos[0] = (nvmlProcessInfo_t){ .pid = pid, .usedGpuMemory = 512ULL << 20, .gpuInstanceId = 0xFFFFFFFF, .computeInstanceId = 0xFFFFFFFF };
		infos[1] = (nvmlProcessInfo_t){ .pid = 4194303, .usedGpuMemory = ~0ULL, .gpuInstanceId = 0xFFFFFFFF, .computeInstanceId = 0xFFFFFFFF };
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization, unsigned int *processSamplesCount, unsigned long long lastSeenTimeStamp)
{
	unsigned int pid = standin_pid();
	if (device->index != 0 || !pid)
		return NVML_ERROR_NOT_FOUND;
	if (!utilization || *processSamplesCount < 1) {
		*processSamplesCount = 1;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	*processSamplesCount = 1;
	utilization[0] = (nvmlProcessUtilizationSample_t){ .pid = pid, .timeStamp = lastSeenTimeStamp + 1, .smUtil = 42, .memUtil = 7, .encUtil = 0, .decUtil = 3 };
	return NVML_SUCCESS;
}
