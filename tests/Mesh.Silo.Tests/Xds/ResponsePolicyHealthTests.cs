using Mesh.Api.Xds;
using Mesh.Silo.Xds;

namespace Mesh.Silo.Tests.Xds;

public sealed class ResponsePolicyHealthTests
{
    public static IEnumerable<object?[]> Cases() =>
    [
        // type, has error, message, expected: null = not a health report (the subscription protocol decides)
        [XdsTypes.HealthInformation, false, null, new HealthReport(true, null)],
        [XdsTypes.HealthInformation, true, "HTTP probe failed with statuscode: 503", new HealthReport(false, "HTTP probe failed with statuscode: 503")],
        [XdsTypes.HealthInformation, true, null, new HealthReport(false, "")],
        [ResourceTypes.ClusterLoadAssignment, true, "NACK", null],
        [ResourceTypes.Cluster, false, null, null],
        ["type.googleapis.com/istio.v1.Unknown", false, null, null],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Health_ByTypeAndError_ReportOrNothing(string typeUrl, bool hasError, string? message, HealthReport? expected)
    {
        Assert.Equal(expected, ResponsePolicy.Health(typeUrl, hasError, message));
    }

    [Fact]
    public void Health_HealthType_IsNotAServedSubscriptionType()
    {
        Assert.DoesNotContain(XdsTypes.HealthInformation, XdsTypes.Served);
    }
}
