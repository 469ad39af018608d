using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;
using Envoy.Type.V3;

namespace Mesh.Grains.Generators;

/// <summary>Small protobuf builders shared by the generators.</summary>
internal static class Protos
{
    public static Duration Duration(TimeSpan value) => Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(value);

    /// <summary>Resources delivered on the same ADS stream as the one that references them.</summary>
    public static ConfigSource Ads() => new() { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 };

    /// <summary>An Istio Percent (0-100, fractional) as parts per million, so 0.01% survives.</summary>
    public static FractionalPercent PerMillion(double percent) => new()
    {
        Numerator = (uint)Math.Clamp(Math.Round(percent * 10_000), 0, 1_000_000),
        Denominator = FractionalPercent.Types.DenominatorType.Million,
    };

    public static FractionalPercent PerHundred(uint percent) => new()
    {
        Numerator = percent,
        Denominator = FractionalPercent.Types.DenominatorType.Hundred,
    };
}
