using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ProcessGrid.Runtime.Hosting;

/// <summary>Adds a ProcessGrid node to the .NET generic host.</summary>
public static class ProcessGridServiceCollectionExtensions
{
    /// <summary>
    /// Adds a node: <see cref="IProcessGrid"/> and <see cref="ProcessNode"/> as singletons, started and stopped with the
    /// host (a graceful stop shuts process trees down in order). Options bind from the <c>ProcessGrid</c> configuration
    /// section when a configuration is given, then <paramref name="configure"/> runs.
    /// </summary>
    public static IServiceCollection AddProcessGrid(
        this IServiceCollection services, Action<ProcessGridOptions>? configure = null, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ProcessGridOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(ProcessGridOptions.SectionName));
        }
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton(static provider => new ProcessNode(
            provider.GetRequiredService<IOptions<ProcessGridOptions>>().Value,
            provider,
            provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton<IProcessGrid>(static provider => provider.GetRequiredService<ProcessNode>());
        services.AddHostedService<ProcessNodeHostedService>();
        return services;
    }
}
