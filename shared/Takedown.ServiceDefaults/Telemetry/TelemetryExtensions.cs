using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Takedown.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    // What no instrumentation package covers: the libraries' own sources and meters, and the project's.
    private static readonly string[] TraceSources = ["MassTransit", "RabbitMQ.Client.*", "Marten", TakedownTelemetry.Name, "Takedown.*"];
    private static readonly string[] Meters = ["MassTransit", "Marten", TakedownTelemetry.Name, "Takedown.*"];

    /// <summary>
    /// Traces, metrics and logs over OTLP, only when OTEL_EXPORTER_OTLP_ENDPOINT is set. The providers live in the
    /// host's container (OpenTelemetry.Extensions.Hosting), so the exporters read the standard OTEL_* settings
    /// (OTEL_EXPORTER_OTLP_PROTOCOL grpc or http/protobuf, OTEL_METRIC_EXPORT_INTERVAL, OTEL_BSP_SCHEDULE_DELAY...) from
    /// the host's configuration: environment variables as usual, or any other source a host or test adds.
    /// </summary>
    public static WebApplicationBuilder AddTakedownTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return builder;

        var resourceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? $"takedown-{serviceName}";
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(resourceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()     // Microsoft.AspNetCore
                .AddHttpClientInstrumentation()     // System.Net.Http
                .AddNpgsql()                        // Npgsql
                .AddSource(TraceSources)
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()     // Microsoft.AspNetCore.Hosting, .Server.Kestrel, .Routing, .Diagnostics, .Authentication, .Authorization...
                .AddHttpClientInstrumentation()     // System.Net.Http, System.Net.NameResolution
                .AddRuntimeInstrumentation()        // System.Runtime
                .AddNpgsqlInstrumentation()         // Npgsql
                .AddMeter(Meters)
                .AddOtlpExporter())
            .WithLogging(logging => logging.AddOtlpExporter(), options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });
        return builder;
    }
}
