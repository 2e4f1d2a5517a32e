namespace SystemScope.Core.Tests.Accel;

/// <summary>
/// fdinfo text of each driver as its kernel documentation (or, where there is none, the patch that
/// added it) shows it. The kernel prints <c>key:\tvalue</c>; the rst examples use spaces: both appear.
/// </summary>
internal static class DrmFdinfoFixtures
{
    /// <summary>amdgpu, from the commit that moved it to drm_show_memory_stats (drm/amdgpu: use drm_show_fdinfo).</summary>
    public const string Amdgpu = "pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t1239\ndrm-driver:\tamdgpu\ndrm-client-id:\t4\ndrm-pdev:\t0000:04:00.0\npasid:\t32771\n"
        + "drm-total-cpu:\t0\ndrm-shared-cpu:\t0\ndrm-active-cpu:\t0\ndrm-resident-cpu:\t0\ndrm-purgeable-cpu:\t0\n"
        + "drm-total-gtt:\t2392 KiB\ndrm-shared-gtt:\t0\ndrm-active-gtt:\t0\ndrm-resident-gtt:\t2392 KiB\ndrm-purgeable-gtt:\t0\n"
        + "drm-total-vram:\t44564 KiB\ndrm-shared-vram:\t31952 KiB\ndrm-active-vram:\t0\ndrm-resident-vram:\t44564 KiB\ndrm-purgeable-vram:\t0\n"
        + "drm-memory-vram:\t44564 KiB\ndrm-memory-gtt: \t2392 KiB\ndrm-memory-cpu: \t0 KiB\n"
        + "amd-memory-visible-vram:\t44564 KiB\namd-evicted-vram:\t0 KiB\namd-evicted-visible-vram:\t0 KiB\namd-requested-vram:\t44564 KiB\n"
        + "amd-requested-visible-vram:\t11952 KiB\namd-requested-gtt:\t2392 KiB\ndrm-engine-compute:\t46464671 ns\n";

    /// <summary>i915, Documentation/gpu/i915.rst ("i915 DRM client usage stats implementation").</summary>
    public const string I915 = """
        pos:    0
        flags:  0100002
        mnt_id: 21
        drm-driver: i915
        drm-pdev:   0000:00:02.0
        drm-client-id:      7
        drm-engine-render:  9288864723 ns
        drm-engine-copy:    2035071108 ns
        drm-engine-video:   0 ns
        drm-engine-capacity-video:   2
        drm-engine-video-enhance:   0 ns
        """;

    /// <summary>xe, drivers/gpu/drm/xe/xe_drm_client.c (DOC: DRM Client usage stats), shown by Documentation/gpu/xe.</summary>
    public const string Xe = "pos:    0\nflags:  0100002\nmnt_id: 26\nino:    685\ndrm-driver:     xe\ndrm-client-id:  3\ndrm-pdev:       0000:03:00.0\n"
        + "drm-total-system:       0\ndrm-shared-system:      0\ndrm-active-system:      0\ndrm-resident-system:    0\ndrm-purgeable-system:   0\n"
        + "drm-total-gtt:  192 KiB\ndrm-shared-gtt: 0\ndrm-active-gtt: 0\ndrm-resident-gtt:       192 KiB\n"
        + "drm-total-vram0:        23992 KiB\ndrm-shared-vram0:       16 MiB\ndrm-active-vram0:       0\ndrm-resident-vram0:     23992 KiB\n"
        + "drm-total-stolen:       0\ndrm-shared-stolen:      0\ndrm-active-stolen:      0\ndrm-resident-stolen:    0\n"
        + "drm-cycles-rcs: 28257900\ndrm-total-cycles-rcs:   7655183225\ndrm-cycles-bcs: 0\ndrm-total-cycles-bcs:   7655183225\n"
        + "drm-cycles-vcs: 0\ndrm-total-cycles-vcs:   7655183225\ndrm-engine-capacity-vcs:        2\n"
        + "drm-cycles-vecs:        0\ndrm-total-cycles-vecs:  7655183225\ndrm-engine-capacity-vecs:       2\n"
        + "drm-cycles-ccs: 0\ndrm-total-cycles-ccs:   7655183225\ndrm-engine-capacity-ccs:        4\n";

    /// <summary>msm, the patch that added its fdinfo (drm/msm: Add fdinfo, Documentation/gpu/drm-usage-stats.rst's drm-maxfreq).</summary>
    public const string Msm = "pos:\t0\nflags:\t02400002\nmnt_id:\t21\nino:\t162\ndrm-driver:\tmsm\ndrm-client-id:\t7\n"
        + "drm-engine-gpu:\t1734371319 ns\ndrm-cycles-gpu:\t1153645024\ndrm-maxfreq-gpu:\t800000000 Hz\n";

    /// <summary>panfrost, Documentation/gpu/panfrost.rst.</summary>
    public const string Panfrost = """
        pos:    0
        flags:  02400002
        mnt_id: 27
        ino:    531
        drm-driver:     panfrost
        drm-client-id:  14
        drm-engine-fragment:    1846584880 ns
        drm-cycles-fragment:    1424359409
        drm-maxfreq-fragment:   799999987 Hz
        drm-curfreq-fragment:   799999987 Hz
        drm-engine-vertex-tiler:        71932239 ns
        drm-cycles-vertex-tiler:        52617357
        drm-maxfreq-vertex-tiler:       799999987 Hz
        drm-curfreq-vertex-tiler:       799999987 Hz
        drm-total-memory:       290 MiB
        drm-shared-memory:      0 MiB
        drm-active-memory:      226 MiB
        drm-resident-memory:    36496 KiB
        drm-purgeable-memory:   128 KiB
        """;

    /// <summary>
    /// v3d, as v3d_show_fdinfo (drivers/gpu/drm/v3d/v3d_drv.c) prints it: one <c>drm-engine-</c> line per
    /// queue (bin, render, tfu, csd, cache_clean) and drm_show_memory_stats' region "memory".
    /// </summary>
    public const string V3d = "pos:\t0\nflags:\t02100002\nmnt_id:\t24\nino:\t612\ndrm-driver:\tv3d\ndrm-client-id:\t11\n"
        + "drm-engine-bin:\t1212012 ns\nv3d-jobs-bin:\t12 jobs\ndrm-engine-render:\t98765432 ns\nv3d-jobs-render:\t12 jobs\n"
        + "drm-engine-tfu:\t0 ns\nv3d-jobs-tfu:\t0 jobs\ndrm-engine-csd:\t5000000 ns\nv3d-jobs-csd:\t3 jobs\n"
        + "drm-engine-cache_clean:\t1000 ns\nv3d-jobs-cache_clean:\t3 jobs\n"
        + "drm-total-memory:\t12 MiB\ndrm-shared-memory:\t0\ndrm-active-memory:\t0\ndrm-resident-memory:\t12 MiB\ndrm-purgeable-memory:\t0\n";

    /// <summary>ivpu (Intel NPU, /dev/accel), memory only (accel/ivpu: Add fdinfo support for memory statistics).</summary>
    public const string Ivpu = "pos:\t0\nflags:\t02100002\nmnt_id:\t25\nino:\t731\ndrm-driver:\tintel_vpu\ndrm-client-id:\t2\ndrm-pdev:\t0000:00:0b.0\n"
        + "drm-total-memory:\t18240 KiB\ndrm-shared-memory:\t0\ndrm-active-memory:\t0\ndrm-resident-memory:\t18240 KiB\ndrm-purgeable-memory:\t0\n";

    /// <summary>amdxdna (AMD NPU, /dev/accel), AMD's driver with busy time (amd/xdna-driver), legacy engine name.</summary>
    public const string Amdxdna = "pos:\t0\nflags:\t02100002\nmnt_id:\t25\nino:\t890\ndrm-driver:\tamdxdna_accel_driver\ndrm-pdev:\t0000:c4:00.1\ndrm-client-id:\t5\n"
        + "drm-engine-npu-amdxdna:\t7000000 ns\ndrm-total-memory:\t2048 KiB\ndrm-shared-memory:\t0 KiB\ndrm-active-memory:\t0 KiB\n";

    /// <summary>A fd that is not a DRM device (or a driver without usage stats).</summary>
    public const string NotDrm = "pos:\t0\nflags:\t0100002\nmnt_id:\t11\nino:\t40\n";
}
