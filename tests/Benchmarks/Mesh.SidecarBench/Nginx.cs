namespace Mesh.SidecarBench;

/// <summary>
/// nginx (Debian's package) in the foreground with a generated config: the backend (answers every
/// request with a fixed body from memory) and the reference L7 proxy (proxy_pass with upstream
/// keep-alive). One worker each, so "per core" means one core for nginx.
/// </summary>
public static class Nginx
{
    public const string Binary = "/usr/sbin/nginx";

    public static ChildProcess StartBackend(string dir, int port, int payloadBytes) =>
        Start("backend", dir, $$"""
            server {
                listen 127.0.0.1:{{port}} backlog=4096;
                location / {
                    default_type application/octet-stream;
                    return 200 "{{new string('x', payloadBytes)}}";
                }
            }
            """);

    public static ChildProcess StartProxy(string dir, int port, int backendPort) =>
        Start("nginx", dir, $$"""
            upstream backend {
                server 127.0.0.1:{{backendPort}};
                keepalive 64;
                keepalive_requests 1000000;
            }
            server {
                listen 127.0.0.1:{{port}} backlog=4096;
                location / {
                    proxy_pass http://backend;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                }
            }
            """);

    private static ChildProcess Start(string name, string dir, string server)
    {
        var prefix = Directory.CreateDirectory(Path.Combine(dir, name)).FullName;
        foreach (var temp in new[] { "body", "proxy", "fastcgi", "uwsgi", "scgi" }) Directory.CreateDirectory(Path.Combine(prefix, temp));
        // Keep-alive without a request cap on both sides (nginx closes after 1,000 by default; Kestrel never does).
        var config = $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log stderr warn;
            events {
                worker_connections 4096;
            }
            http {
                access_log off;
                keepalive_requests 1000000;
                keepalive_timeout 300s;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
            {{server}}
            }
            """;
        var path = Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(path, config);
        return ChildProcess.Start(name, Binary, ["-p", prefix, "-c", path, "-e", "stderr"], Path.Combine(dir, name + ".log"));
    }
}
