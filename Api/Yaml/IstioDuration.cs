using System.Globalization;

namespace Mesh.Api.Yaml;

/// <summary>
/// Durations as Istio config writes them: Go's <c>time.ParseDuration</c> syntax ("1s", "0.5s",
/// "100ms", "1m", "1h30m", "2.5s"), which also covers protobuf's JSON form ("1.5s").
/// </summary>
public static class IstioDuration
{
    private const decimal TicksPerNanosecond = 0.01m;

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var negative = s[0] == '-';
        if (s[0] is '-' or '+')
        {
            s = s[1..];
        }

        // Go accepts a bare "0" and nothing else without a unit.
        if (s == "0")
        {
            return true;
        }

        decimal ticks = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (!decimal.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            var nanos = UnitNanoseconds(s[unitStart..i]);
            if (nanos is null)
            {
                return false;
            }

            try
            {
                ticks += number * nanos.Value * TicksPerNanosecond;
            }
            catch (OverflowException)
            {
                return false;
            }

            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        value = TimeSpan.FromTicks((long)decimal.Truncate(negative ? -ticks : ticks));
        return true;
    }

    /// <summary>The shortest exact Istio spelling: "1h", "90s", "100ms", or fractional seconds.</summary>
    public static string Format(TimeSpan value)
    {
        var sign = value < TimeSpan.Zero ? "-" : "";
        var ticks = Math.Abs(value.Ticks);
        if (ticks == 0)
        {
            return "0s";
        }

        if (ticks % TimeSpan.TicksPerHour == 0)
        {
            return $"{sign}{ticks / TimeSpan.TicksPerHour}h";
        }

        if (ticks % TimeSpan.TicksPerMinute == 0)
        {
            return $"{sign}{ticks / TimeSpan.TicksPerMinute}m";
        }

        if (ticks % TimeSpan.TicksPerSecond == 0)
        {
            return $"{sign}{ticks / TimeSpan.TicksPerSecond}s";
        }

        if (ticks % TimeSpan.TicksPerMillisecond == 0)
        {
            return $"{sign}{ticks / TimeSpan.TicksPerMillisecond}ms";
        }

        // Sub-millisecond remainders: milliseconds read best below a second, seconds above.
        return ticks < TimeSpan.TicksPerSecond
            ? sign + ((decimal)ticks / TimeSpan.TicksPerMillisecond).ToString("0.####", CultureInfo.InvariantCulture) + "ms"
            : sign + ((decimal)ticks / TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture) + "s";
    }

    private static decimal? UnitNanoseconds(string unit) => unit switch
    {
        "ns" => 1m,
        "us" or "µs" or "μs" => 1_000m,
        "ms" => 1_000_000m,
        "s" => 1_000_000_000m,
        "m" => 60_000_000_000m,
        "h" => 3_600_000_000_000m,
        _ => null,
    };
}
