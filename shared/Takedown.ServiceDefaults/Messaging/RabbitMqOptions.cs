namespace Takedown.ServiceDefaults.Messaging;

/// <summary>Bound from the "RabbitMq" configuration section (RabbitMq__Host etc. in the environment).</summary>
public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "localhost";
    public ushort Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";

    /// <summary>
    /// The waits between a consumer's attempts (RabbitMq__RetryIntervals__0=00:00:00.050 …); unset means
    /// <see cref="MessagingExtensions.DefaultRetryIntervals"/>. After the last retry the message goes to "_error".
    /// </summary>
    public TimeSpan[]? RetryIntervals { get; set; }
}
