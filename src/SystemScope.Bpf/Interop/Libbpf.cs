using System.Runtime.InteropServices;

namespace SystemScope.Bpf.Interop;

/// <summary>
/// libbpf 1.1 entry points. Functions that return a pointer report failure as NULL with errno set
/// (libbpf 1.0 semantics); functions that return int report a negative errno.
/// </summary>
internal static unsafe partial class Libbpf
{
    // The shipped binary binds this statically (DirectPInvoke + libbpf.a); tests load the shared library.
    internal const string Library = "libbpf.so.1";

    [LibraryImport(Library, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    internal static partial nint ObjectOpenMem(void* buffer, nuint size, BpfObjectOpenOpts* opts);

    [LibraryImport(Library, EntryPoint = "bpf_object__load")]
    internal static partial int ObjectLoad(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__close")]
    internal static partial void ObjectClose(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__btf")]
    internal static partial nint ObjectBtf(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__next_program")]
    internal static partial nint ObjectNextProgram(nint obj, nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_object__next_map")]
    internal static partial nint ObjectNextMap(nint obj, nint map);

    [LibraryImport(Library, EntryPoint = "bpf_program__name")]
    internal static partial byte* ProgramName(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__section_name")]
    internal static partial byte* ProgramSectionName(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_autoload")]
    internal static partial int ProgramSetAutoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Library, EntryPoint = "bpf_program__autoload")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool ProgramAutoload(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__fd")]
    internal static partial int ProgramFd(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach", SetLastError = true)]
    internal static partial nint ProgramAttach(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_uprobe_opts", SetLastError = true)]
    internal static partial nint ProgramAttachUprobe(nint prog, int pid, byte* binaryPath, nuint funcOffset, BpfUprobeOpts* opts);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_perf_event", SetLastError = true)]
    internal static partial nint ProgramAttachPerfEvent(nint prog, int perfEventFd);

    [LibraryImport(Library, EntryPoint = "bpf_link__destroy")]
    internal static partial int LinkDestroy(nint link);

    [LibraryImport(Library, EntryPoint = "bpf_map__name")]
    internal static partial byte* MapName(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__fd")]
    internal static partial int MapFd(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__type")]
    internal static partial int MapType(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__key_size")]
    internal static partial uint MapKeySize(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__value_size")]
    internal static partial uint MapValueSize(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__max_entries")]
    internal static partial uint MapMaxEntries(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_max_entries")]
    internal static partial int MapSetMaxEntries(nint map, uint maxEntries);

    [LibraryImport(Library, EntryPoint = "bpf_map__is_internal")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool MapIsInternal(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__initial_value")]
    internal static partial byte* MapInitialValue(nint map, nuint* size);

    [LibraryImport(Library, EntryPoint = "bpf_map__reuse_fd")]
    internal static partial int MapReuseFd(nint map, int fd);

    [LibraryImport(Library, EntryPoint = "bpf_map__map_flags")]
    internal static partial uint MapFlags(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__btf_key_type_id")]
    internal static partial uint MapBtfKeyTypeId(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__btf_value_type_id")]
    internal static partial uint MapBtfValueTypeId(nint map);

    [LibraryImport(Library, EntryPoint = "btf__type_cnt")]
    internal static partial uint BtfTypeCount(nint btf);

    [LibraryImport(Library, EntryPoint = "btf__resolve_size")]
    internal static partial long BtfResolveSize(nint btf, uint typeId);

    [LibraryImport(Library, EntryPoint = "btf__resolve_type")]
    internal static partial int BtfResolveType(nint btf, uint typeId);

    [LibraryImport(Library, EntryPoint = "bpf_obj_get_info_by_fd", SetLastError = true)]
    internal static partial int ObjGetInfoByFd(int fd, void* info, uint* infoLength);

    [LibraryImport(Library, EntryPoint = "bpf_enable_stats", SetLastError = true)]
    internal static partial int EnableStats(int type);

    [LibraryImport(Library, EntryPoint = "ring_buffer__epoll_fd")]
    internal static partial int RingBufferEpollFd(nint rb);

    [LibraryImport(Library, EntryPoint = "bpf_map_create", SetLastError = true)]
    internal static partial int MapCreate(int mapType, byte* name, uint keySize, uint valueSize, uint maxEntries, BpfMapCreateOpts* opts);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    internal static partial int MapLookupElem(int fd, void* key, void* value);

    [LibraryImport(Library, EntryPoint = "bpf_map_update_elem", SetLastError = true)]
    internal static partial int MapUpdateElem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Library, EntryPoint = "bpf_map_delete_elem", SetLastError = true)]
    internal static partial int MapDeleteElem(int fd, void* key);

    [LibraryImport(Library, EntryPoint = "bpf_map_get_next_key", SetLastError = true)]
    internal static partial int MapGetNextKey(int fd, void* key, void* nextKey);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_and_delete_batch", SetLastError = true)]
    internal static partial int MapLookupAndDeleteBatch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, BpfMapBatchOpts* opts);

    [LibraryImport(Library, EntryPoint = "btf__find_by_name_kind")]
    internal static partial int BtfFindByNameKind(nint btf, byte* name, uint kind);

    [LibraryImport(Library, EntryPoint = "btf__type_by_id")]
    internal static partial BtfType* BtfTypeById(nint btf, uint id);

    [LibraryImport(Library, EntryPoint = "btf__name_by_offset")]
    internal static partial byte* BtfNameByOffset(nint btf, uint offset);

    [LibraryImport(Library, EntryPoint = "btf__load_vmlinux_btf", SetLastError = true)]
    internal static partial nint BtfLoadVmlinux();

    [LibraryImport(Library, EntryPoint = "btf__free")]
    internal static partial void BtfFree(nint btf);

    [LibraryImport(Library, EntryPoint = "ring_buffer__new", SetLastError = true)]
    internal static partial nint RingBufferNew(int mapFd, delegate* unmanaged<nint, void*, nuint, int> callback, nint ctx, void* opts);

    [LibraryImport(Library, EntryPoint = "ring_buffer__poll")]
    internal static partial int RingBufferPoll(nint rb, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "ring_buffer__consume")]
    internal static partial int RingBufferConsume(nint rb);

    [LibraryImport(Library, EntryPoint = "ring_buffer__free")]
    internal static partial void RingBufferFree(nint rb);

    [LibraryImport(Library, EntryPoint = "libbpf_set_print")]
    internal static partial nint SetPrint(delegate* unmanaged<int, byte*, nint, int> callback);

    [LibraryImport(Library, EntryPoint = "libbpf_probe_bpf_prog_type")]
    internal static partial int ProbeProgType(int progType, void* opts);

    [LibraryImport(Library, EntryPoint = "libbpf_probe_bpf_map_type")]
    internal static partial int ProbeMapType(int mapType, void* opts);

    [LibraryImport(Library, EntryPoint = "libbpf_num_possible_cpus")]
    internal static partial int NumPossibleCpus();

    [LibraryImport(Library, EntryPoint = "bpf_prog_load", SetLastError = true)]
    internal static partial int ProgLoad(int progType, byte* name, byte* license, ulong* insns, nuint insnCount, BpfProgLoadOpts* opts);

    [LibraryImport(Library, EntryPoint = "bpf_raw_tracepoint_open", SetLastError = true)]
    internal static partial int RawTracepointOpen(byte* name, int progFd);

    [LibraryImport(Library, EntryPoint = "libbpf_strerror")]
    internal static partial int StrError(int err, byte* buffer, nuint size);
}
