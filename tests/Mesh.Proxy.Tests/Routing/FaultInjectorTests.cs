using Mesh.Proxy.Configuration;
using Mesh.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.Routing;

public sealed class FaultInjectorTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public static TheoryData<string, FaultSpec, uint, uint, TimeSpan?, int?> Decisions => new()
    {
        { "100% delay", new FaultSpec(new FaultDelaySpec(Second, 1_000_000), null), 999_999, 0, Second, null },
        { "50% delay, draw under", new FaultSpec(new FaultDelaySpec(Second, 500_000), null), 499_999, 0, Second, null },
        { "50% delay, draw at", new FaultSpec(new FaultDelaySpec(Second, 500_000), null), 500_000, 0, null, null },
        { "0% abort", new FaultSpec(null, new FaultAbortSpec(503, null, 0)), 0, 0, null, null },
        { "abort hit", new FaultSpec(null, new FaultAbortSpec(503, null, 1)), 0, 0, null, 503 },
        { "delay and abort drawn separately", new FaultSpec(new FaultDelaySpec(Second, 10), new FaultAbortSpec(500, null, 10)), 50, 5, null, 500 },
        { "delay then abort", new FaultSpec(new FaultDelaySpec(Second, 10), new FaultAbortSpec(500, null, 10)), 5, 5, Second, 500 },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decide_Draws_AsEnvoyPercentages(string _, FaultSpec fault, uint delayDraw, uint abortDraw, TimeSpan? delay, int? abortStatus)
    {
        var decision = fault.Decide(delayDraw, abortDraw);

        Assert.Equal((delay, abortStatus), (decision.Delay, decision.Abort?.HttpStatus));
    }

    private static DefaultHttpContext Context(string? contentType = null)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        if (contentType is not null) context.Request.ContentType = contentType;
        return context;
    }

    [Fact]
    public async Task ApplyAsync_AbortHttp_AnswersStatusWithFlagFI()
    {
        var context = Context();
        var answered = await new FaultInjector(TimeProvider.System, NullLogger<FaultInjector>.Instance)
            .ApplyAsync(context, new FaultSpec(null, new FaultAbortSpec(503, null, 1_000_000)));

        Assert.True(answered);
        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("FI", context.Response.Headers["x-mesh-response-flags"]);
        Assert.Equal("FI", InjectedFault.Of(context)?.Flags);
        Assert.Equal(FaultInjector.AbortBody, System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()));
    }

    public static TheoryData<string, FaultAbortSpec, string?, string> GrpcAborts => new()
    {
        { "grpc status", new FaultAbortSpec(null, 14, 1_000_000), null, "14" },
        { "http status of a gRPC request: mapped as Envoy", new FaultAbortSpec(503, null, 1_000_000), "application/grpc", "14" },
        { "404 of a gRPC request", new FaultAbortSpec(404, null, 1_000_000), "application/grpc+proto", "12" },
    };

    [Theory]
    [MemberData(nameof(GrpcAborts))]
    public async Task ApplyAsync_GrpcAbort_Http200WithGrpcStatus(string _, FaultAbortSpec abort, string? contentType, string expected)
    {
        var context = Context(contentType);

        await new FaultInjector(TimeProvider.System, NullLogger<FaultInjector>.Instance).ApplyAsync(context, new FaultSpec(null, abort));

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal(expected, context.Response.Headers["grpc-status"]);
    }

    [Fact]
    public async Task ApplyAsync_Delay_WaitsOnTheTimeProviderThenContinues()
    {
        var time = new FakeTimeProvider();
        var context = Context();
        var applying = new FaultInjector(time, NullLogger<FaultInjector>.Instance)
            .ApplyAsync(context, new FaultSpec(new FaultDelaySpec(TimeSpan.FromSeconds(5), 1_000_000), null)).AsTask();

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(applying.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await applying.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("DI", InjectedFault.Of(context)?.Flags);
    }

    [Fact]
    public async Task ApplyAsync_CallerLeavesDuringDelay_Answered()
    {
        var time = new FakeTimeProvider();
        using var aborted = new CancellationTokenSource();
        var context = Context();
        context.RequestAborted = aborted.Token;
        var applying = new FaultInjector(time, NullLogger<FaultInjector>.Instance)
            .ApplyAsync(context, new FaultSpec(new FaultDelaySpec(TimeSpan.FromSeconds(5), 1_000_000), null)).AsTask();

        await aborted.CancelAsync();

        Assert.True(await applying.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
