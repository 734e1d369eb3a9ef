using Microsoft.Extensions.DependencyInjection;
using ProcessGrid.Runtime.Rpc;

namespace ProcessGrid.Runtime.Hosting;

/// <summary>Registers rpc functions with the generic host, from wherever an application configures its services.</summary>
public static class RpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds functions the node serves from its start (<see cref="ProcessGridOptions.Rpc"/>): each part of an application
    /// (a library, a module) can add its own, alongside <c>AddProcessGrid</c>, in any order.
    /// </summary>
    /// <example><code>services.AddRpcFunctions(rpc => rpc.Register("math.add", (int a, int b) => a + b));</code></example>
    public static IServiceCollection AddRpcFunctions(this IServiceCollection services, Action<RpcOptions> register)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(register);
        services.Configure<ProcessGridOptions>(options => register(options.Rpc));
        return services;
    }
}
