using Mesh.Proxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Envoy's %RESPONSE_FLAGS% and %RESPONSE_CODE_DETAILS% for a finished request, derived after the
/// fact so the handlers stay unaware of logging: local replies name their flag in a response
/// header, forwarding failures are YARP's IForwarderErrorFeature, retries come from the observation.
/// </summary>
public static class ResponseFlags
{
    /// <summary>Set by a handler's local reply (NR, NC, UH, UT, UO; fault injection may add DI, FI).</summary>
    public const string Header = "x-mesh-response-flags";

    public const string None = "-";

    /// <param name="localFlag">The handler's x-mesh-response-flags, if it answered locally.</param>
    /// <param name="error">The forwarder's error of the last attempt (None when it had none).</param>
    /// <param name="downstreamAborted">The caller reset or closed the stream before the end.</param>
    /// <param name="faultFlags">The fault filter's DI / FI ("DI,FI"), if it acted on the request.</param>
    public static (string Flags, string Details) Compute(
        string? localFlag, ForwarderError error, bool downstreamAborted, RequestObservation? observation, int status, string? faultFlags = null)
    {
        var flags = new List<string>(2);
        // A delay (DI) is followed by a normal forward, so it is only known from the fault filter's mark.
        if (!string.IsNullOrEmpty(faultFlags)) flags.AddRange(faultFlags.Split(','));
        string details;
        if (!string.IsNullOrEmpty(localFlag))
        {
            if (!flags.Contains(localFlag)) flags.Add(localFlag);
            details = localFlag switch
            {
                "NR" => "route_not_found",
                "NC" => "cluster_not_found",
                "UH" => "no_healthy_upstream",
                "UT" => "response_timeout",
                "UO" => "overflow",
                "DI" => "delayed_fault",
                "FI" => "fault_filter_abort",
                _ => "local_reply",
            };
        }
        else
        {
            (var flag, details) = error switch
            {
                ForwarderError.None => (null, observation?.UpstreamHost is null ? "direct_response" : "via_upstream"),
                ForwarderError.Request => ("UF", "upstream_reset_before_response_started{connection_failure}"),
                ForwarderError.RequestTimedOut => ("UT", "response_timeout"),
                ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                    or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient => ("DC", "downstream_remote_disconnect"),
                ForwarderError.RequestBodyDestination or ForwarderError.ResponseBodyDestination or ForwarderError.ResponseHeaders
                    => ("UC", "upstream_reset_after_response_started{connection_termination}"),
                ForwarderError.NoAvailableDestinations => ("UH", "no_healthy_upstream"),
                // After a 101 the stream is a tunnel: whichever side dropped it, Envoy logs the upgrade's status.
                ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient
                    or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled => ("DC", "downstream_remote_disconnect"),
                ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination
                    => ("UC", "upstream_reset_after_response_started{connection_termination}"),
                ForwarderError.UpgradeActivityTimeout => ("SI", "stream_idle_timeout"),
                _ => ("UF", "upstream_reset_before_response_started{" + error + "}"),
            };
            if (flag is not null) flags.Add(flag);
        }
        if (RetriesExhausted(observation, status, flags.Contains("UF"))) flags.Add("URX");
        // A tunnel closed cleanly still ends with the connection: that is no disconnect.
        if (downstreamAborted && !flags.Contains("DC") && !(status == 101 && error == ForwarderError.None && localFlag is null))
        {
            flags.Add("DC");
            if (localFlag is null && error == ForwarderError.None) details = "downstream_remote_disconnect";
        }
        return (flags.Count == 0 ? None : string.Join(',', flags), details);
    }

    // Envoy's URX: the last allowed attempt still ended in something the policy retries.
    private static bool RetriesExhausted(RequestObservation? observation, int status, bool connectFailure) =>
        observation is { Attempts: > 1, Route.Action: ForwardAction { Retry: { } retry } }
        && observation.Attempts == 1 + retry.NumRetries
        && (retry.RetriesStatus(status) || connectFailure && retry.OnConnectFailure);
}
