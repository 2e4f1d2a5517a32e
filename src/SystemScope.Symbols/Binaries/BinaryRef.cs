namespace SystemScope.Symbols.Binaries;

/// <summary>
/// The binary behind one mapped file of a process: either already parsed, or opened and waiting to be
/// parsed (eagerly off the caller's thread, or by the first lookup that needs it, whichever comes first).
/// </summary>
internal sealed class BinaryRef
{
    private readonly Lock _gate = new();
    private readonly BinaryLoader? _loader;
    private readonly string _module;
    private readonly string? _openError;
    private OpenedBinary? _opened;
    private ModuleView? _view;

    private BinaryRef(BinaryLoader? loader, string module, OpenedBinary? opened, ModuleView? view, string? openError)
    {
        _loader = loader;
        _module = module;
        _opened = opened;
        _view = view;
        _openError = openError;
    }

    public bool IsLoaded => Volatile.Read(ref _view) is not null;

    public ModuleView View => Volatile.Read(ref _view) ?? Load();

    public static BinaryRef Loaded(BinaryImage image, string module) => new(null, module, null, image.View(module), null);

    public static BinaryRef Pending(BinaryLoader loader, OpenedBinary opened, string module) => new(loader, module, opened, null, null);

    /// <summary>A file that could not be opened: its frames are named by file offset.</summary>
    public static BinaryRef Unopened(string module, string error) => new(null, module, null, null, error);

    public ModuleView Load()
    {
        lock (_gate)
        {
            if (_view is not null)
            {
                return _view;
            }

            BinaryImage image;
            if (_opened is not null && _loader is not null)
            {
                try
                {
                    image = _loader.Load(_opened);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    image = BinaryImage.Failed($"read failed: {ex.Message}");
                }
                finally
                {
                    _opened.Dispose();
                    _opened = null;
                }
            }
            else
            {
                image = BinaryImage.Failed(_openError ?? "not opened");
            }

            var view = image.View(_module);
            Volatile.Write(ref _view, view);
            return view;
        }
    }
}
