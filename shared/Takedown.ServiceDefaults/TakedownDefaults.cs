using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Health;
using Takedown.ServiceDefaults.Http;
using Takedown.ServiceDefaults.Input;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.ServiceDefaults;

public static class TakedownDefaults
{
    public const string ReadyTag = "ready";
    private const string DefaultPostgres = "Host=localhost;Port=5432;Database=takedown;Username=takedown;Password=takedown";

    /// <summary>Telemetry, PostgreSQL, API-key auth, health, problem details and limits shared by every service.</summary>
    public static WebApplicationBuilder AddTakedownDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddSingleton(new TakedownServiceName(serviceName));
        builder.AddTakedownTelemetry(serviceName);
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Configuration is read when services resolve, not here, so hosts built by tests can override it.
        builder.Services.AddSingleton(services =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString("Postgres") ?? DefaultPostgres;
            var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = serviceName };
            // The append and projection statements repeat constantly; prepared, PostgreSQL skips parsing and planning
            // (about twice the append throughput measured in docs/benchmarks.md). A connection string can still set its own.
            if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
            // A transaction left open (a hung handler, a lost client) holds back the projection daemon's high-water mark:
            // PostgreSQL ends it after a minute. A connection string can set its own.
            if (!connectionString.Contains("idle_in_transaction_session_timeout", StringComparison.OrdinalIgnoreCase))
                dataSource.ConnectionStringBuilder.Options = $"{dataSource.ConnectionStringBuilder.Options} -c idle_in_transaction_session_timeout=60000".Trim();
            return dataSource.Build();
        });

        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection("Auth"));
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddStartupMigration("auth", (sp, ct) => sp.GetRequiredService<ApiKeys>().MigrateAsync(ct));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(options =>
        {
            foreach (var (policy, roles) in Policies.RolesByPolicy)
                options.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
            // A safety net: an endpoint that forgets to name its policy still needs a valid key.
            options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        });

        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ForbiddenProblemDetails>();

        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag])
            .AddCheck<SchemaMigratedHealthCheck>("schema", tags: [ReadyTag])
            .AddCheck<ProjectionLagHealthCheck>("projection-lag", tags: [ReadyTag]);

        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier));
        // After the default writer: problem details for a request whose Accept header that writer declines.
        builder.Services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemDetailsWriter>();
        builder.Services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        // Malformed bodies become exceptions the handler above can describe, in every environment.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            // Every string of every JSON body, in every service, held to one rule of what text is.
            options.SerializerOptions.Converters.Add(new CheckedStringConverter());
        });

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue<long?>("Takedown:MaxRequestBodyBytes") ?? 1024 * 1024);
        builder.Services.AddOpenApi(OpenApiDocument);
        return builder;
    }

    /// <summary>The one OpenAPI document each service publishes, at /openapi/v1.json.</summary>
    public const string OpenApiDocument = "v1";

    /// <summary>Health endpoints, OpenAPI document, key management, and the auth/problem-details middleware.</summary>
    public static WebApplication MapTakedownDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<InputTextMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponses.WriteAsync,
        }).AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous()
            // Another name was a text/plain 404 written by the OpenAPI endpoint itself; every other refusal is problem details.
            .AddEndpointFilter((context, next) =>
                string.Equals(context.HttpContext.GetRouteValue("documentName") as string, OpenApiDocument, StringComparison.OrdinalIgnoreCase)
                    ? next(context)
                    : ValueTask.FromResult<object?>(TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                        title: "No such OpenAPI document.", detail: $"This service publishes /openapi/{OpenApiDocument}.json.")));
        app.MapApiKeys();
        if (app.Services.GetService<ProjectionAdministration>() is not null)
            app.MapProjectionAdministration();
        if (app.Services.GetService<Messaging.DeadLetters>() is not null)
            app.MapDeadLetters();
        return app;
    }

    internal static string BuildTakedownServiceName(this IServiceCollection services) =>
        services.LastOrDefault(d => d.ServiceType == typeof(TakedownServiceName))?.ImplementationInstance is TakedownServiceName name
            ? name.Value
            : throw new InvalidOperationException("Call AddTakedownDefaults before adding the bus or event store.");
}

public sealed record TakedownServiceName(string Value);
