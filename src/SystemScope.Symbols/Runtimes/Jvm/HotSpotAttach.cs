using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Symbols.Processes;

namespace SystemScope.Symbols.Runtimes.Jvm;

/// <summary>
/// Runs a diagnostic command in a running HotSpot JVM over its attach mechanism, as <c>jcmd</c> does:
/// when its attach socket <c>/tmp/.java_pid&lt;nspid&gt;</c> is absent, create <c>.attach_pid&lt;nspid&gt;</c> in its
/// /tmp and send SIGQUIT (only to a process that catches SIGQUIT: by default it would end it), wait
/// for the socket, then write <c>1\0jcmd\0COMMAND\0\0\0</c> and read the result code and output. Paths go
/// through <c>/proc/PID/root</c>, so JVMs in containers are reached too. Throws
/// <see cref="JvmAttachException"/> with the reason when the JVM cannot be attached.
/// </summary>
internal static partial class HotSpotAttach
{
    private const int SigQuit = 3;

    /// <summary>The command's output after the result line; throws when the JVM refuses or the command fails.</summary>
    public static async Task<string> ExecuteAsync(string procRoot, int pid, string command, TimeSpan timeout)
    {
        var nsPid = ProcessInfo.ReadNamespacePid(procRoot, pid);
        var tmp = $"{procRoot}/{pid}/root/tmp";
        var socketPath = $"{tmp}/.java_pid{nsPid}";
        using var cancellation = new CancellationTokenSource(timeout);
        if (!File.Exists(socketPath))
        {
            await StartAttachListenerAsync(procRoot, pid, nsPid, tmp, socketPath, timeout, cancellation.Token).ConfigureAwait(false);
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellation.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes($"1\0jcmd\0{command}\0\0\0"), SocketFlags.None, cancellation.Token).ConfigureAwait(false);
            var reply = new MemoryStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation.Token).ConfigureAwait(false)) > 0)
            {
                reply.Write(buffer, 0, read);
            }

            var text = Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length);
            var newline = text.IndexOf('\n');
            var code = (newline < 0 ? text : text[..newline]).Trim();
            var output = newline < 0 ? string.Empty : text[(newline + 1)..];
            if (code != "0")
            {
                throw new JvmAttachException($"JVM {pid} answered '{command}' with code {code}: {output.Trim()}");
            }

            // jcmd commands report their own errors in the output with code 0.
            if (output.Contains("Unknown diagnostic command", StringComparison.Ordinal) || output.StartsWith("java.lang.", StringComparison.Ordinal))
            {
                throw new JvmAttachException($"JVM {pid} cannot run '{command}' (JDK 17 or later needed): {output.Trim()}");
            }

            return output;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new JvmAttachException($"JVM {pid} did not answer '{command}' within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            throw new JvmAttachException($"cannot talk to JVM {pid} over {socketPath}: {ex.Message}");
        }
    }

    /// <summary>Why the JVM will not start its attach listener, or null when nothing says it will not.</summary>
    public static string? RefusalReason(string procRoot, int pid)
    {
        var commandLine = ProcFileText($"{procRoot}/{pid}/cmdline").Replace('\0', ' ');
        var options = ProcessInfo.ReadEnvironment(procRoot, pid, "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");
        var all = commandLine + " " + string.Join(' ', options.Values);
        if (all.Contains("-XX:+DisableAttachMechanism", StringComparison.Ordinal))
        {
            return "the JVM runs with -XX:+DisableAttachMechanism";
        }

        if (!CatchesSigQuit(procRoot, pid))
        {
            // -Xrs, or not (yet) a JVM: SIGQUIT would end the process instead of starting the listener.
            return "the process does not catch SIGQUIT (-Xrs, or still starting): attaching would end it";
        }

        return null;
    }

    private static async Task StartAttachListenerAsync(string procRoot, int pid, int nsPid, string tmp, string socketPath, TimeSpan timeout, CancellationToken cancellation)
    {
        if (RefusalReason(procRoot, pid) is { } reason)
        {
            throw new JvmAttachException($"JVM {pid} cannot be attached: {reason}");
        }

        var trigger = $"{tmp}/.attach_pid{nsPid}";
        try
        {
            File.WriteAllBytes(trigger, []);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JvmAttachException($"cannot create {trigger} to ask JVM {pid} to listen: {ex.Message}");
        }

        try
        {
            if (Kill(pid, SigQuit) != 0)
            {
                throw new JvmAttachException($"cannot signal JVM {pid}: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            var clock = Stopwatch.StartNew();
            var delay = 20;
            while (!File.Exists(socketPath))
            {
                if (clock.Elapsed > timeout || !ProcessInfo.Exists(procRoot, pid))
                {
                    throw new JvmAttachException($"JVM {pid} did not open its attach socket within {timeout.TotalSeconds:0.#} s (attach disabled, or another user's JVM)");
                }

                await Task.Delay(delay, cancellation).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 200);
            }
        }
        finally
        {
            File.Delete(trigger);
        }
    }

    // SigCgt is a hex mask of caught signals; bit N-1 is signal N.
    private static bool CatchesSigQuit(string procRoot, int pid)
    {
        foreach (var line in ProcFileText($"{procRoot}/{pid}/status").Split('\n'))
        {
            if (line.StartsWith("SigCgt:", StringComparison.Ordinal)
                && ulong.TryParse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, null, out var mask))
            {
                return (mask & (1UL << (SigQuit - 1))) != 0;
            }
        }

        return false;
    }

    private static string ProcFileText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A JVM could not be attached or refused the command; the message says why.</summary>
internal sealed class JvmAttachException(string message) : Exception(message);
