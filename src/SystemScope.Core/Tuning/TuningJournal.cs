using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Tuning;

/// <summary>
/// The one file the agent stores: every action with its values before and after, so a rollback writes
/// back exactly what was there, and a start after a crash finds what it left applied. Written whole to
/// a temporary file, flushed and renamed (never half a document), under an exclusive lock held across
/// read-modify-write, so the agent and a command line acting at once never lose each other's entries.
/// </summary>
public sealed class TuningJournal(string path)
{
    public const string DefaultPath = "/var/lib/systemscope/tuning-journal.json";

    /// <summary>Overrides <see cref="DefaultPath"/> (tests, read-only /var).</summary>
    public const string PathVariable = "SYSTEMSCOPE_TUNING_JOURNAL";

    /// <summary>Finished actions kept for the audit trail; older finished ones go first, applied ones never.</summary>
    public const int MaxEntries = 500;

    public string Path { get; } = path;

    public static TuningJournal FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath);

    public IReadOnlyList<JournalEntry> Read()
    {
        using var gate = Lock();
        return Load();
    }

    public T Update<T>(Func<List<JournalEntry>, T> change)
    {
        using var gate = Lock();
        var entries = Load();
        var result = change(entries);
        while (entries.Count > MaxEntries && entries.FindIndex(e => e.State != ActionState.Applied) is var oldest and >= 0)
        {
            entries.RemoveAt(oldest);
        }

        Save(entries);
        return result;
    }

    private List<JournalEntry> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        try
        {
            using var stream = File.OpenRead(Path);
            return JsonSerializer.Deserialize(stream, TuningJson.Default.JournalDocument)?.Actions ?? [];
        }
        catch (JsonException error)
        {
            throw new UnavailableException("tuning-journal-corrupt", $"the tuning journal {Path} is not readable JSON ({error.Message}): move it aside to start a new one; it may hold values to restore by hand");
        }
    }

    private void Save(List<JournalEntry> entries)
    {
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, new JournalDocument(1, entries), TuningJson.Default.JournalDocument);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private FileStream Lock()
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException("tuning-journal", $"cannot create {directory} for the tuning journal: {error.Message} (set {PathVariable} to another file)");
        }

        // FileShare.None takes an exclusive advisory lock (flock) on Linux; another holder makes it throw.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(25);
            }
            catch (UnauthorizedAccessException error)
            {
                throw new UnavailableException("tuning-journal", $"cannot open the tuning journal {Path}: {error.Message} (tuning needs root; or set {PathVariable})");
            }
        }
    }
}
