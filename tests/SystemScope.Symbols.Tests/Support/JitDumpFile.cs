using System.Buffers.Binary;
using System.Text;

namespace SystemScope.Symbols.Tests.Support;

/// <summary>The code-load records of a jitdump file (<c>/tmp/jit-PID.dump</c>, perf's format): where the runtime says each method's code is.</summary>
internal static class JitDumpFile
{
    private const uint Magic = 0x4A695444;
    private const uint CodeLoad = 0;

    public static List<(ulong Address, ulong Size, string Name)> ReadCodeLoads(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<(ulong, ulong, string)>();
        if (bytes.Length < 40 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            return records;
        }

        var at = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        while (at + 16 <= bytes.Length)
        {
            var id = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4));
            if (size < 16 || at + size > bytes.Length)
            {
                break;
            }

            if (id == CodeLoad)
            {
                // pid u32, tid u32, vma u64, code address u64, code size u64, code index u64, name, code bytes.
                var body = bytes.AsSpan(at + 16, size - 16);
                var address = BinaryPrimitives.ReadUInt64LittleEndian(body[16..]);
                var codeSize = BinaryPrimitives.ReadUInt64LittleEndian(body[24..]);
                var name = body[40..];
                records.Add((address, codeSize, Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)])));
            }

            at += size;
        }

        return records;
    }
}
