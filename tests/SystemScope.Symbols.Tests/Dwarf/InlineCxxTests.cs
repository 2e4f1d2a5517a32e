using System.Globalization;
using SystemScope.Symbols.Dwarf;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Dwarf;

/// <summary>C++ with the standard library's templates inlined everywhere: demangled linkage names, nested inlining, many units of code.</summary>
public sealed class InlineCxxTests
{
    private const string Source = """
        #include <algorithm>
        #include <map>
        #include <string>
        #include <vector>

        namespace shop {
        template <typename T> struct Basket {
            std::vector<T> items;
            void add(T value) { items.push_back(value); }
            T total() const { T sum{}; for (const auto &i : items) sum += i; return sum; }
        };
        }

        int main(int argc, char **argv)
        {
            shop::Basket<long> basket;
            std::map<std::string, long> prices;
            for (int i = 0; i < 1000 + argc; i++) {
                basket.add(i * 7 % 13);
                prices[std::to_string(i % 50)] += i;
            }
            std::sort(basket.items.begin(), basket.items.end());
            return (int)((basket.total() + (long)prices.size() + (argv[0][0] == 'x')) & 1);
        }
        """;

    [Theory]
    [InlineData("-gdwarf-5")]
    [InlineData("-gdwarf-4")]
    public void Inline_chains_across_the_whole_text_match_addr2line(string dwarf)
    {
        using var directory = new TempDirectory();
        directory.Write("shop.cc", Source);
        var binary = directory["shop"];
        Tool.RunIn(directory.Path, "g++", "-O2", dwarf, "-o", binary, "shop.cc");

        using var handle = File.OpenHandle(binary);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        var text = elf!.Sections.First(s => s.Name == ".text");
        var table = InlineTableReader.Read(elf, out var problem);
        Assert.Null(problem);

        // Every third byte of .text: instruction starts and middles alike.
        var addresses = new List<ulong>();
        for (var address = text.Address; address < text.Address + text.Size; address += 3)
        {
            addresses.Add(address);
        }

        var expected = Addr2Line.Chains(binary, addresses);
        var chain = new int[64];
        var mismatches = new List<string>();
        var inlined = 0;
        foreach (var address in addresses)
        {
            // addr2line ends each chain with the function that holds the code; the table names only what is inlined into it.
            var reference = expected[address];
            var count = table.Find(address, chain);
            var actual = chain[..count].Select(i => SystemScope.Symbols.Demangling.Demangler.Demangle(table.Names[i])).ToList();
            inlined += count > 0 ? 1 : 0;
            if (reference.Count == 0 || !actual.SequenceEqual(reference[..^1]))
            {
                mismatches.Add($"0x{address.ToString("x", CultureInfo.InvariantCulture)}: [{string.Join(" <- ", actual)}] but addr2line: [{string.Join(" <- ", reference)}]");
            }
        }

        Assert.True(inlined > addresses.Count / 4, $"only {inlined} of {addresses.Count} addresses are in inlined code");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {addresses.Count} differ:\n{string.Join('\n', mismatches.Take(15))}");
    }
}
