using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ProcessGrid.Client.Hosting;

/// <summary>Adds a grid client to the .NET generic host.</summary>
public static class GridClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds a client that connects when the host starts and closes when it stops: <see cref="GridClient"/> and
    /// <see cref="IProcessGrid"/> resolve to it once the host has started. Options bind from the <c>ProcessGrid:Client</c>
    /// configuration section when a configuration is given, then <paramref name="configure"/> runs. The host's start
    /// fails with <see cref="GridConnectException"/> when the cluster cannot be reached.
    /// </summary>
    public static IServiceCollection AddGridClient(
        this IServiceCollection services, Action<GridClientOptions>? configure = null, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GridClientOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(GridClientOptions.SectionName));
        }
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton(static provider => new GridClientHostedService(
            provider.GetRequiredService<IOptions<GridClientOptions>>().Value, provider, provider.GetService<ILoggerFactory>()));
        services.AddHostedService(static provider => provider.GetRequiredService<GridClientHostedService>());
        services.TryAddSingleton(static provider => provider.GetRequiredService<GridClientHostedService>().Client);
        services.TryAddSingleton<IProcessGrid>(static provider => provider.GetRequiredService<GridClient>());
        return services;
    }
}
