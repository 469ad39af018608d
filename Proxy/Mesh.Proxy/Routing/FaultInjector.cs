using Mesh.Proxy.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Routing;

/// <summary>
/// Envoy's HTTP fault filter on the outbound path: it runs before the router, so a delay comes
/// before the route timeout starts and an abort never reaches (or mirrors to) any upstream.
/// Delay then abort, each drawn per request; the response flags DI and FI are left on the request
/// (<see cref="InjectedFault"/>) for the access log.
/// </summary>
public sealed partial class FaultInjector(TimeProvider time, ILogger<FaultInjector> logger)
{
    public const string AbortBody = "fault filter abort";

    /// <summary>Applies the route's fault; true when the request was answered (aborted) or the caller left during the delay.</summary>
    public async ValueTask<bool> ApplyAsync(HttpContext context, FaultSpec fault)
    {
        var (delay, abort) = fault.Decide(Draw(), Draw());
        if (delay is null && abort is null) return false;
        var injected = new InjectedFault(delay is not null, abort is not null);
        context.Features.Set(injected);

        if (delay is { } d)
        {
            LogDelay(context.Request.Host.Value ?? "", d.TotalMilliseconds);
            try
            {
                // Timers may fire up to a tick early; the delay is a promised minimum, so top it up.
                var start = time.GetTimestamp();
                for (var left = d; left > TimeSpan.Zero; left = d - time.GetElapsedTime(start))
                    await Task.Delay(left, time, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return true;
            }
        }
        if (abort is null) return false;
        LogAbort(context.Request.Host.Value ?? "", abort.HttpStatus ?? abort.GrpcStatus ?? 0);
        await AbortAsync(context, abort);
        return true;
    }

    private static uint Draw() => (uint)Random.Shared.Next((int)RoutePolicyTranslator.Million);

    /// <summary>
    /// Envoy's local reply for the abort. A gRPC status (or any abort of a gRPC request) is a
    /// trailers-only gRPC response: HTTP 200 whose headers carry grpc-status, since a gRPC client
    /// reads the status there and not from the HTTP code.
    /// </summary>
    internal static async Task AbortAsync(HttpContext context, FaultAbortSpec abort)
    {
        context.Response.Headers[ResponseFlagsHeader] = "FI";
        var grpcRequest = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
        if (abort.GrpcStatus is { } grpc || grpcRequest)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = (abort.GrpcStatus ?? GrpcStatusOf(abort.HttpStatus ?? 500)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = AbortBody.Replace(" ", "%20", StringComparison.Ordinal);
            return;
        }
        context.Response.StatusCode = abort.HttpStatus ?? StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(AbortBody, context.RequestAborted);
    }

    /// <summary>Envoy's Grpc::Utility::httpToGrpcStatus, for an HTTP abort of a gRPC request.</summary>
    internal static int GrpcStatusOf(int http) => http switch
    {
        400 => 13, // INTERNAL
        401 => 16, // UNAUTHENTICATED
        403 => 7, // PERMISSION_DENIED
        404 => 12, // UNIMPLEMENTED
        429 or 502 or 503 or 504 => 14, // UNAVAILABLE
        _ => 2, // UNKNOWN
    };

    private const string ResponseFlagsHeader = "x-mesh-response-flags";

    [LoggerMessage(1, LogLevel.Debug, "fault filter: delaying a request to {Authority} by {DelayMs} ms")]
    private partial void LogDelay(string authority, double delayMs);

    [LoggerMessage(2, LogLevel.Debug, "fault filter: aborting a request to {Authority} with status {Status}")]
    private partial void LogAbort(string authority, int status);
}

/// <summary>The fault filter's mark on a request: Envoy's response flags DI (delayed) and FI (aborted).</summary>
public sealed record InjectedFault(bool Delayed, bool Aborted)
{
    public string Flags => (Delayed, Aborted) switch
    {
        (true, true) => "DI,FI",
        (true, false) => "DI",
        (false, true) => "FI",
        _ => "",
    };

    public static InjectedFault? Of(HttpContext context) => context.Features.Get<InjectedFault>();
}
