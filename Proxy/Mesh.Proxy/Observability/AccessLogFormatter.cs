using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Istio's access log formats: the default text line (Envoy's default plus Istio's extras:
/// response code details, upstream cluster, addresses, route name) and its JSON equivalent with
/// Istio's keys. Pure functions, run by the background writer, never on the request path.
/// </summary>
public static class AccessLogFormatter
{
    // Envoy writes "-" for any operator without a value.
    private static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static long Millis(TimeSpan duration) => (long)duration.TotalMilliseconds;

    /// <summary>
    /// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
    /// %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
    /// "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
    /// %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
    /// "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER%
    /// %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
    /// %REQUESTED_SERVER_NAME% %ROUTE_NAME%
    /// </summary>
    public static string Text(RequestRecord r)
    {
        var line = new StringBuilder(256);
        line.Append('[').Append(Time(r.StartTime)).Append("] \"")
            .Append(r.Method).Append(' ').Append(r.Path).Append(' ').Append(r.Protocol).Append("\" ")
            .Append(r.ResponseCode.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(r.ResponseFlags).Append(' ')
            .Append(r.ResponseCodeDetails).Append(" - \"-\" ")
            .Append(r.BytesReceived.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(r.BytesSent.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Millis(r.Duration).ToString(CultureInfo.InvariantCulture)).Append(" - \"")
            .Append(Dash(r.ForwardedFor)).Append("\" \"")
            .Append(Dash(r.UserAgent)).Append("\" \"")
            .Append(Dash(r.RequestId)).Append("\" \"")
            .Append(Dash(r.Authority)).Append("\" \"")
            .Append(Dash(r.UpstreamHost)).Append("\" ")
            .Append(Dash(r.UpstreamCluster)).Append(" - ")
            .Append(r.DownstreamLocalAddress).Append(' ')
            .Append(r.DownstreamRemoteAddress).Append(" - ")
            .Append(Dash(r.RouteName));
        return line.ToString();
    }

    /// <summary>Istio's JSON access log keys (meshConfig.accessLogEncoding: JSON), plus the trace id.</summary>
    public static string Json(RequestRecord r)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("start_time", Time(r.StartTime));
            json.WriteString("method", r.Method);
            json.WriteString("path", r.Path);
            json.WriteString("protocol", r.Protocol);
            json.WriteNumber("response_code", r.ResponseCode);
            json.WriteString("response_flags", r.ResponseFlags);
            json.WriteString("response_code_details", r.ResponseCodeDetails);
            json.WriteNull("connection_termination_details");
            json.WriteNull("upstream_transport_failure_reason");
            json.WriteNumber("bytes_received", r.BytesReceived);
            json.WriteNumber("bytes_sent", r.BytesSent);
            json.WriteNumber("duration", Millis(r.Duration));
            json.WriteNull("upstream_service_time");
            Nullable(json, "x_forwarded_for", r.ForwardedFor);
            Nullable(json, "user_agent", r.UserAgent);
            Nullable(json, "request_id", r.RequestId);
            Nullable(json, "authority", r.Authority);
            Nullable(json, "upstream_host", r.UpstreamHost);
            Nullable(json, "upstream_cluster", r.UpstreamCluster);
            json.WriteNull("upstream_local_address");
            json.WriteString("downstream_local_address", r.DownstreamLocalAddress);
            json.WriteString("downstream_remote_address", r.DownstreamRemoteAddress);
            json.WriteNull("requested_server_name");
            Nullable(json, "route_name", r.RouteName);
            Nullable(json, "trace_id", r.TraceId);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Nullable(Utf8JsonWriter json, string name, string? value)
    {
        if (string.IsNullOrEmpty(value)) json.WriteNull(name);
        else json.WriteString(name, value);
    }
}
