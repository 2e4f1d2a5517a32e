namespace SystemScope.Symbols.Binaries;

/// <summary>
/// Parsed binaries shared by all processes, found by build id or by file identity. Bounded by count
/// and by approximate bytes; the least recently used go first. Snapshots that still hold an evicted
/// image keep using it: eviction only ends sharing.
/// </summary>
internal sealed class BinaryCache(int maxBinaries, long maxBytes)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<BinaryIdentity, BinaryImage> _byIdentity = [];
    private readonly Dictionary<string, BinaryImage> _byBuildId = new(StringComparer.Ordinal);
    private readonly HashSet<BinaryImage> _images = new(ReferenceEqualityComparer.Instance);
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _images.Count;
            }
        }
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public bool TryGet(BinaryIdentity identity, out BinaryImage image)
    {
        lock (_gate)
        {
            if (_byIdentity.TryGetValue(identity, out image!))
            {
                image.Touch();
                return true;
            }

            return false;
        }
    }

    /// <summary>Finds a binary already parsed under another file identity (a copy, a bind mount, a container).</summary>
    public bool TryGetByBuildId(string buildId, BinaryIdentity identity, out BinaryImage image)
    {
        lock (_gate)
        {
            if (_byBuildId.TryGetValue(buildId, out image!))
            {
                _byIdentity[identity] = image;
                image.Touch();
                return true;
            }

            return false;
        }
    }

    public void Add(BinaryIdentity identity, BinaryImage image)
    {
        lock (_gate)
        {
            _byIdentity[identity] = image;
            if (image.BuildId is { } buildId)
            {
                _byBuildId[buildId] = image;
            }

            if (_images.Add(image))
            {
                _bytes += image.EstimatedBytes;
            }

            EvictOverCaps(image);
        }
    }

    /// <summary>Lets go of every parsed binary; snapshots that hold one keep it.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _byIdentity.Clear();
            _byBuildId.Clear();
            _images.Clear();
            _bytes = 0;
        }
    }

    private void EvictOverCaps(BinaryImage keep)
    {
        if (_images.Count <= maxBinaries && _bytes <= maxBytes)
        {
            return;
        }

        foreach (var image in _images.OrderBy(i => i.LastUsedTicks).ToList())
        {
            if (_images.Count <= maxBinaries && _bytes <= maxBytes)
            {
                break;
            }

            if (!ReferenceEquals(image, keep))
            {
                Remove(image);
            }
        }
    }

    private void Remove(BinaryImage image)
    {
        _images.Remove(image);
        _bytes -= image.EstimatedBytes;
        foreach (var key in _byIdentity.Where(p => ReferenceEquals(p.Value, image)).Select(p => p.Key).ToList())
        {
            _byIdentity.Remove(key);
        }

        if (image.BuildId is { } buildId && _byBuildId.TryGetValue(buildId, out var current) && ReferenceEquals(current, image))
        {
            _byBuildId.Remove(buildId);
        }
    }
}
