namespace Mesh.Api.Model;

/// <summary>networking.istio.io VirtualService (HTTP routes; tcp/tls are reported as unsupported).</summary>
public sealed record VirtualService(ConfigMeta Meta, VirtualServiceSpec Spec) : ConfigObject(Meta);

public sealed record VirtualServiceSpec(
    IReadOnlyList<string> Hosts,
    IReadOnlyList<string> Gateways,
    IReadOnlyList<HttpRoute> Http,
    IReadOnlyList<string> ExportTo);

public sealed record HttpRoute(
    string? Name,
    IReadOnlyList<HttpMatchRequest> Match,
    IReadOnlyList<HttpRouteDestination> Route,
    HttpRedirect? Redirect,
    HttpDirectResponse? DirectResponse,
    HttpRewrite? Rewrite,
    TimeSpan? Timeout,
    HttpRetry? Retries,
    HttpFaultInjection? Fault,
    Destination? Mirror,
    Percent? MirrorPercentage,
    Headers? Headers);

public sealed record HttpMatchRequest(
    string? Name,
    StringMatch? Uri,
    StringMatch? Scheme,
    StringMatch? Method,
    StringMatch? Authority,
    IReadOnlyDictionary<string, StringMatch> Headers,
    IReadOnlyDictionary<string, StringMatch> WithoutHeaders,
    IReadOnlyDictionary<string, StringMatch> QueryParams,
    IReadOnlyDictionary<string, string> SourceLabels,
    uint? Port,
    bool IgnoreUriCase);

public sealed record HttpRouteDestination(Destination Destination, int Weight, Headers? Headers);

public sealed record HttpRedirect(string? Uri, string? Authority, uint? Port, string? Scheme, int RedirectCode);

public sealed record HttpDirectResponse(int Status, string? Body);

public sealed record HttpRewrite(string? Uri, string? Authority);

/// <summary>Istio's HTTPRetry; RetryOn is the comma-separated Envoy/gRPC condition list as written.</summary>
public sealed record HttpRetry(int Attempts, TimeSpan? PerTryTimeout, string? RetryOn, bool? RetryRemoteLocalities);

public sealed record HttpFaultInjection(FaultDelay? Delay, FaultAbort? Abort);

public sealed record FaultDelay(TimeSpan FixedDelay, Percent? Percentage);

/// <summary>An abort with an HTTP status, or a gRPC status name (e.g. UNAVAILABLE) for gRPC callers.</summary>
public sealed record FaultAbort(int? HttpStatus, string? GrpcStatus, Percent? Percentage);

public sealed record Headers(HeaderOperations? Request, HeaderOperations? Response);

public sealed record HeaderOperations(
    IReadOnlyDictionary<string, string> Set,
    IReadOnlyDictionary<string, string> Add,
    IReadOnlyList<string> Remove);
