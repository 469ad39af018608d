using Mesh.Api.Model;

namespace Mesh.Api.Yaml;

/// <summary>Reads a VirtualService spec; HTTP routes only, tcp/tls are reported as not supported.</summary>
internal static class VirtualServiceReader
{
    public static VirtualServiceSpec Read(MapReader spec)
    {
        spec.Unsupported("tcp", "tls");
        return new VirtualServiceSpec(
            spec.Strings("hosts"),
            spec.Strings("gateways"),
            spec.List("http", Route),
            spec.Strings("exportTo"));
    }

    private static HttpRoute Route(MapReader r)
    {
        r.Unsupported("delegate", "corsPolicy", "mirrors", "mirrorPercent");
        return new HttpRoute(
            r.String("name"),
            r.List("match", Match),
            r.List("route", RouteDestination),
            r.Object("redirect", Redirect),
            r.Object("directResponse", DirectResponse),
            r.Object("rewrite", Rewrite),
            r.Duration("timeout"),
            r.Object("retries", Retry),
            r.Object("fault", Fault),
            r.Object("mirror", CommonReaders.Destination),
            CommonReaders.Percent(r, "mirrorPercentage"),
            r.Object("headers", CommonReaders.Headers));
    }

    private static HttpMatchRequest Match(MapReader m)
    {
        m.Unsupported("gateways", "sourceNamespace", "statPrefix");
        return new HttpMatchRequest(
            m.String("name"),
            m.Object("uri", CommonReaders.StringMatch),
            m.Object("scheme", CommonReaders.StringMatch),
            m.Object("method", CommonReaders.StringMatch),
            m.Object("authority", CommonReaders.StringMatch),
            CommonReaders.StringMatches(m, "headers"),
            CommonReaders.StringMatches(m, "withoutHeaders"),
            CommonReaders.StringMatches(m, "queryParams"),
            m.StringMap("sourceLabels"),
            m.UInt("port"),
            m.Bool("ignoreUriCase") ?? false);
    }

    private static HttpRouteDestination RouteDestination(MapReader r)
    {
        var destination = r.Object("destination", CommonReaders.Destination);
        if (destination is null && !r.Has("destination"))
        {
            r.Missing("destination");
        }

        return new HttpRouteDestination(
            destination ?? new Destination(""),
            r.Int("weight") ?? 0,
            r.Object("headers", CommonReaders.Headers));
    }

    private static HttpRedirect Redirect(MapReader r)
    {
        r.Unsupported("derivePort");
        return new HttpRedirect(
            r.String("uri"),
            r.String("authority"),
            r.UInt("port"),
            r.String("scheme"),
            // Istio's default when redirectCode is unset; storing it spares every consumer the rule.
            r.Int("redirectCode") ?? 301);
    }

    private static HttpDirectResponse DirectResponse(MapReader r)
    {
        var status = r.Int("status");
        if (status is null && !r.Has("status"))
        {
            r.Missing("status");
        }

        var body = r.Object("body", b =>
        {
            b.Unsupported("bytes");
            return b.String("string");
        });
        return new HttpDirectResponse(status ?? 0, body);
    }

    private static HttpRewrite Rewrite(MapReader r)
    {
        r.Unsupported("uriRegexRewrite");
        return new HttpRewrite(r.String("uri"), r.String("authority"));
    }

    private static HttpRetry Retry(MapReader r) =>
        new(r.Int("attempts") ?? 0, r.Duration("perTryTimeout"), r.String("retryOn"), r.Bool("retryRemoteLocalities"));

    private static HttpFaultInjection Fault(MapReader r) =>
        new(r.Object("delay", Delay), r.Object("abort", Abort));

    private static FaultDelay Delay(MapReader r)
    {
        r.Unsupported("exponentialDelay", "percent");
        var fixedDelay = r.Duration("fixedDelay");
        if (fixedDelay is null && !r.Has("fixedDelay"))
        {
            r.Missing("fixedDelay", "fixedDelay is required: a delay without it injects nothing");
        }

        return new FaultDelay(fixedDelay ?? TimeSpan.Zero, CommonReaders.Percent(r, "percentage"));
    }

    private static FaultAbort Abort(MapReader r)
    {
        r.Unsupported("http2Error");
        return new FaultAbort(r.Int("httpStatus"), r.String("grpcStatus"), CommonReaders.Percent(r, "percentage"));
    }
}
