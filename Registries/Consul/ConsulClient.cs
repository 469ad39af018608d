using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Registries.Consul;

/// <summary>
/// The few reads of Consul's HTTP API the registry needs, with blocking-query parameters. One
/// instance per Consul address, shared by all its datacenters' registries (HttpClient pools connections).
/// Knows nothing of the index rules (<see cref="BlockingQuery{T}"/>) or retries (the registry's loop).
/// </summary>
public sealed class ConsulClient(HttpClient http, ConsulOptions options, TimeProvider time)
{
    // Consul holds a blocking read up to wait plus wait/16 of its own jitter; past this the connection is presumed dead.
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromSeconds(10);

    public Uri Address => options.Address;

    public async Task<ConsulResponse<IReadOnlyDictionary<string, IReadOnlyList<string>>>> CatalogServicesAsync(
        string? datacenter, ConsulQuery query, CancellationToken cancel)
    {
        var response = await GetAsync("/v1/catalog/services", datacenter, query, ConsulJson.Default.DictionaryStringListString, cancel);
        IReadOnlyDictionary<string, IReadOnlyList<string>> services = response.Value
            .ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)(kv.Value ?? []), StringComparer.Ordinal);
        return new(services, response.Index);
    }

    public async Task<ConsulResponse<IReadOnlyList<ConsulHealthEntry>>> HealthServiceAsync(
        string service, string? datacenter, ConsulQuery query, CancellationToken cancel)
    {
        var response = await GetAsync("/v1/health/service/" + Uri.EscapeDataString(service), datacenter, query, ConsulJson.Default.ListConsulHealthEntry, cancel);
        return new(response.Value, response.Index);
    }

    /// <summary>The datacenter of the agent at <see cref="Address"/>.</summary>
    public async Task<string> AgentDatacenterAsync(CancellationToken cancel) =>
        (await GetAsync("/v1/agent/self", null, ConsulQuery.Now, ConsulJson.Default.ConsulAgentSelf, cancel)).Value.Config.Datacenter;

    private async Task<ConsulResponse<T>> GetAsync<T>(string path, string? datacenter, ConsulQuery query, JsonTypeInfo<T> type, CancellationToken cancel)
    {
        var url = new Uri(options.Address, path + Query(datacenter, query));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (options.Token is { Length: > 0 } token) request.Headers.Add("X-Consul-Token", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var limit = query.Index > 0 ? query.Wait + query.Wait / 16 + AnswerMargin : AnswerMargin;
        using var timeout = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(linked.Token);
                throw new ConsulException(
                    $"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Shorten(body)}");
            }
            var value = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(linked.Token), type, linked.Token)
                ?? throw new ConsulException($"GET {url} answered null");
            return new(value, IndexOf(response));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
            throw new ConsulException($"GET {url}: no answer within {limit.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            // HttpClient's own message is generic ("An error occurred while sending the request"); the cause is inside.
            throw new ConsulException($"GET {url} failed: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (JsonException ex)
        {
            throw new ConsulException($"GET {url} answered JSON that is not what Consul sends: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            // The connection broke mid-body (Consul stopped while answering).
            throw new ConsulException($"GET {url} failed while reading the answer: {ex.Message}", ex);
        }
    }

    private static string Query(string? datacenter, ConsulQuery query)
    {
        var parts = new List<string>(3);
        if (datacenter is { Length: > 0 }) parts.Add("dc=" + Uri.EscapeDataString(datacenter));
        // Index 0 is never sent: a blocking read needs an index Consul has passed, and 0 means "answer now".
        if (query.Index > 0)
        {
            parts.Add("index=" + query.Index.ToString(CultureInfo.InvariantCulture));
            parts.Add("wait=" + Math.Max(1, (long)query.Wait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
        }
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static ulong IndexOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Consul-Index", out var values)
        && ulong.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index : 0;

    private static string Shorten(string body)
    {
        var text = body.ReplaceLineEndings(" ").Trim();
        return text.Length <= 200 ? text : text[..200] + "...";
    }
}
