using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Sources.Dotnet.Nettrace;

namespace SystemScope.Sources.Dotnet;

/// <summary>
/// Decodes EventCounters events (System.Runtime's counters, once per interval): their payload is one
/// self-described object (Name, DisplayName, Mean or Increment, IntervalSec, DisplayUnits …) whose
/// layout the metadata gives, walked field by field. A rate counter's increment is turned into a rate
/// per second.
/// </summary>
internal sealed class CounterDecoder(int pid, RuntimeEvents output)
{
    public const string EventName = "EventCounters";

    private RuntimeEvents _output = output;

    public void Retarget(RuntimeEvents output) => _output = output;

    public void Decode(in NettraceEvent e)
    {
        var reader = new PayloadReader(e.Payload);
        var values = new Values();
        Walk(ref reader, e.Metadata.Fields, ref values, 0);
        if (values.Name is null)
        {
            return;
        }

        double value;
        if (values.Increment is { } increment)
        {
            value = values.IntervalSec > 0 ? increment / values.IntervalSec : increment;
        }
        else if (values.Mean is { } mean)
        {
            value = mean;
        }
        else
        {
            return;
        }

        var title = values.DisplayName ?? values.Name;
        if (!string.IsNullOrEmpty(values.Units))
        {
            title = $"{title} ({values.Units}{(values.Increment is null ? string.Empty : "/s")})";
        }

        _output.Counters.Add(new(new EventHeader(DotnetCounter.Kind, e.TimestampNs, pid, (int)e.ThreadId), new DotnetCounter(values.Name, title, value)));
    }

    private static void Walk(ref PayloadReader reader, IReadOnlyList<NettraceField> fields, ref Values values, int depth)
    {
        foreach (var field in fields)
        {
            if (field.TypeCode == NettraceField.ObjectCode)
            {
                Walk(ref reader, field.Fields, ref values, depth + 1);
                continue;
            }

            if (field.TypeCode == NettraceField.StringCode)
            {
                var text = reader.Utf16();
                switch (field.Name)
                {
                    case "Name":
                        values.Name = text;
                        break;
                    case "DisplayName":
                        values.DisplayName = text;
                        break;
                    case "DisplayUnits":
                        values.Units = text;
                        break;
                }

                continue;
            }

            var size = field.FixedSize();
            if (size < 0)
            {
                throw new NettraceFormatException($"counter field {field.Name} of type {field.TypeCode}");
            }

            if (field.TypeCode == 14)
            {
                var number = reader.F64();
                switch (field.Name)
                {
                    case "Mean":
                        values.Mean = number;
                        break;
                    case "Increment":
                        values.Increment = number;
                        break;
                }
            }
            else if (field.TypeCode == 13 && field.Name == "IntervalSec")
            {
                values.IntervalSec = reader.F32();
            }
            else
            {
                reader.Skip(size);
            }
        }
    }

    private struct Values
    {
        public string? Name;
        public string? DisplayName;
        public string? Units;
        public double? Mean;
        public double? Increment;
        public float IntervalSec;
    }
}
