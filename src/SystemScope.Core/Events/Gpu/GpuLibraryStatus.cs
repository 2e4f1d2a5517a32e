namespace SystemScope.Core.Events.Gpu;

/// <summary>
/// What the <c>gpu</c> source found in one process (the header's pid): an accelerator library it maps and
/// how far its probes attached, or — for a process the session names that maps none — an empty
/// <paramref name="Library"/> with a note saying so. Published once per process and library file.
/// </summary>
/// <param name="Library">The library's path as mapped (empty: none mapped).</param>
/// <param name="Vendor">The API family, as in <see cref="GpuApiCall.Vendor"/>; empty with no library.</param>
/// <param name="Probes">Functions traced in that file.</param>
/// <param name="Missing">Functions of the API the file does not export (other than optional variants).</param>
/// <param name="Note">What a person should know: the library was replaced on disk, probes that failed, or why nothing is traced.</param>
public readonly record struct GpuLibraryStatus(string Library, string Vendor, int Probes, IReadOnlyList<string> Missing, string Note)
{
    public static readonly EventKind Kind = EventKind.Register("gpu.library", Layer.Gpu);

    /// <summary>The process's name when the source knows it.</summary>
    public string ProcessName { get; init; } = string.Empty;
}
