using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Takedown.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    // Sources and meters the frameworks emit natively (no instrumentation packages are available here).
    private static readonly string[] TraceSources =
        ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MassTransit", "RabbitMQ.Client.*", TakedownTelemetry.Name, "Takedown.*"];
    private static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Authorization", "System.Net.Http", "System.Runtime",
        "Npgsql", "MassTransit", TakedownTelemetry.Name, "Takedown.*",
    ];

    /// <summary>
    /// Traces, metrics and logs over OTLP, only when OTEL_EXPORTER_OTLP_ENDPOINT is set. The exporters read the standard
    /// OTEL_* settings (OTEL_EXPORTER_OTLP_PROTOCOL grpc or http/protobuf, OTEL_METRIC_EXPORT_INTERVAL, OTEL_BSP_SCHEDULE_DELAY...)
    /// from the host's configuration: environment variables as usual, or any other source a host or test adds.
    /// </summary>
    public static WebApplicationBuilder AddTakedownTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return builder;

        var resourceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? $"takedown-{serviceName}";
        void Describe(ResourceBuilder resource) => resource.AddService(resourceName);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(resourceName));
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter();
        });
        // Providers built apart from the host read environment variables only; handing them the host's configuration
        // makes traces and metrics see the same settings the logs (built inside the host) already see.
        IConfiguration configuration = builder.Configuration;
        void UseHostConfiguration(IServiceCollection services) => services.AddSingleton(configuration);
        builder.Services.AddHostedService(_ => new TelemetryProviders(
            () => Sdk.CreateTracerProviderBuilder().ConfigureServices(UseHostConfiguration)
                .ConfigureResource(Describe).AddSource(TraceSources).AddOtlpExporter().Build(),
            () => Sdk.CreateMeterProviderBuilder().ConfigureServices(UseHostConfiguration)
                .ConfigureResource(Describe).AddMeter(Meters).AddOtlpExporter().Build()));
        return builder;
    }

    /// <summary>Owns the providers for the host's lifetime (the hosting extension package is not available here).</summary>
    private sealed class TelemetryProviders(Func<TracerProvider> tracing, Func<MeterProvider> metrics) : IHostedService, IDisposable
    {
        private TracerProvider? _tracing;
        private MeterProvider? _metrics;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _tracing = tracing();
            _metrics = metrics();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _tracing?.ForceFlush(2000);
            _metrics?.ForceFlush(2000);
            return Task.CompletedTask;
        }

        public void Dispose()
        {
            _tracing?.Dispose();
            _metrics?.Dispose();
        }
    }
}
