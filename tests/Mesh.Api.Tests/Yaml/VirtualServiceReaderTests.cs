using Mesh.Api.Model;

namespace Mesh.Api.Tests.Yaml;

/// <summary>Every VirtualService field lands in the right model member.</summary>
public class VirtualServiceReaderTests
{
    [Fact]
    public void Parse_FullVirtualService_ReadsEveryField()
    {
        var vs = ConfigYaml.Valid<VirtualService>("VirtualService", """
            hosts: [reviews, reviews.example.com]
            gateways: [mesh, istio-system/ingress]
            exportTo: ["."]
            http:
            - name: canary
              match:
              - name: jason
                uri: {prefix: /api}
                scheme: {exact: https}
                method: {exact: GET}
                authority: {regex: "^rev.*"}
                headers:
                  end-user: {exact: jason}
                withoutHeaders:
                  x-debug: {exact: "1"}
                queryParams:
                  v: {regex: "^[0-9]+$"}
                sourceLabels: {app: productpage}
                port: 9080
                ignoreUriCase: true
              route:
              - destination: {host: reviews, subset: v1, port: {number: 9080}}
                weight: 75
                headers:
                  request:
                    set: {x-route: v1}
              - destination: {host: reviews, subset: v2}
                weight: 25
              rewrite: {uri: /v2/api, authority: reviews.internal}
              timeout: 2.5s
              retries: {attempts: 3, perTryTimeout: 100ms, retryOn: "5xx,503", retryRemoteLocalities: true}
              fault:
                delay: {fixedDelay: 1m, percentage: {value: 0.5}}
                abort: {httpStatus: 503, percentage: {value: 1.5}}
              mirror: {host: shadow}
              mirrorPercentage: {value: 12.5}
              headers:
                request: {add: {x-a: "1"}, remove: [x-b]}
                response: {set: {x-c: "2"}}
            - redirect: {uri: /new, authority: other, port: 8443, scheme: https, redirectCode: 308}
            - directResponse: {status: 503, body: {string: down}}
            - redirect: {uri: /default-code}
            """);

        Assert.Equal(["reviews", "reviews.example.com"], vs.Spec.Hosts);
        Assert.Equal(["mesh", "istio-system/ingress"], vs.Spec.Gateways);
        Assert.Equal(["."], vs.Spec.ExportTo);

        var route = vs.Spec.Http[0];
        Assert.Equal("canary", route.Name);
        var match = Assert.Single(route.Match);
        Assert.Equal("jason", match.Name);
        Assert.Equal(new StringMatch(StringMatchKind.Prefix, "/api"), match.Uri);
        Assert.Equal(new StringMatch(StringMatchKind.Exact, "https"), match.Scheme);
        Assert.Equal(new StringMatch(StringMatchKind.Exact, "GET"), match.Method);
        Assert.Equal(new StringMatch(StringMatchKind.Regex, "^rev.*"), match.Authority);
        Assert.Equal(new StringMatch(StringMatchKind.Exact, "jason"), match.Headers["end-user"]);
        Assert.Equal(new StringMatch(StringMatchKind.Exact, "1"), match.WithoutHeaders["x-debug"]);
        Assert.Equal(new StringMatch(StringMatchKind.Regex, "^[0-9]+$"), match.QueryParams["v"]);
        Assert.Equal("productpage", match.SourceLabels["app"]);
        Assert.Equal(9080u, match.Port);
        Assert.True(match.IgnoreUriCase);

        Assert.Equal(new Destination("reviews", "v1", new PortSelector(9080)), route.Route[0].Destination);
        Assert.Equal(75, route.Route[0].Weight);
        Assert.Equal("v1", route.Route[0].Headers!.Request!.Set["x-route"]);
        Assert.Equal(new Destination("reviews", "v2"), route.Route[1].Destination);
        Assert.Equal(new HttpRewrite("/v2/api", "reviews.internal"), route.Rewrite);
        Assert.Equal(TimeSpan.FromSeconds(2.5), route.Timeout);
        Assert.Equal(new HttpRetry(3, TimeSpan.FromMilliseconds(100), "5xx,503", true), route.Retries);
        Assert.Equal(new FaultDelay(TimeSpan.FromMinutes(1), new Percent(0.5)), route.Fault!.Delay);
        Assert.Equal(new FaultAbort(503, null, new Percent(1.5)), route.Fault.Abort);
        Assert.Equal(new Destination("shadow"), route.Mirror);
        Assert.Equal(new Percent(12.5), route.MirrorPercentage);
        Assert.Equal("1", route.Headers!.Request!.Add["x-a"]);
        Assert.Equal(["x-b"], route.Headers.Request.Remove);
        Assert.Equal("2", route.Headers.Response!.Set["x-c"]);

        Assert.Equal(new HttpRedirect("/new", "other", 8443, "https", 308), vs.Spec.Http[1].Redirect);
        Assert.Equal(new HttpDirectResponse(503, "down"), vs.Spec.Http[2].DirectResponse);
        Assert.Equal(301, vs.Spec.Http[3].Redirect!.RedirectCode);
    }

    [Fact]
    public void Parse_UnsetWeightAndRetryFields_UseProtobufDefaults()
    {
        var vs = ConfigYaml.Valid<VirtualService>("VirtualService", """
            hosts: [r]
            http:
            - route:
              - destination: {host: r}
              retries: {retryOn: connect-failure}
              fault:
                abort: {grpcStatus: UNAVAILABLE}
            """);

        var route = vs.Spec.Http[0];
        Assert.Equal(0, route.Route[0].Weight);
        Assert.Null(route.Route[0].Headers);
        Assert.Equal(new HttpRetry(0, null, "connect-failure", null), route.Retries);
        Assert.Equal(new FaultAbort(null, "UNAVAILABLE", null), route.Fault!.Abort);
        Assert.Empty(route.Match);
    }

    [Fact]
    public void Parse_QuotedNumbers_Accepted()
    {
        var vs = ConfigYaml.Valid<VirtualService>("VirtualService", "hosts: [r]\nhttp:\n- route:\n  - destination: {host: r, port: {number: \"8080\"}}");

        Assert.Equal(8080u, vs.Spec.Http[0].Route[0].Destination.Port!.Number);
    }
}
