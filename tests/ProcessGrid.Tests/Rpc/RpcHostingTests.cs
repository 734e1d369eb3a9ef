using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProcessGrid.Runtime.Hosting;

namespace ProcessGrid.Tests.Rpc;

/// <summary>A node in the generic host serves the functions its services register, from its start.</summary>
public sealed class RpcHostingTests
{
    private sealed class Prices
    {
        public decimal Of(string item) => item == "tea" ? 2.5m : 0m;
    }

    [Fact]
    public async Task Functions_registered_with_the_services_are_served_from_the_start_and_can_use_the_services()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<Prices>();
        builder.Services.AddProcessGrid(options => options.NodeName = "hosted@localhost");
        builder.Services.AddRpcFunctions(rpc => rpc.Register("prices.of", (IServiceProvider services, string item) => services.GetRequiredService<Prices>().Of(item)));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var grid = host.Services.GetRequiredService<IProcessGrid>();

            Assert.Equal(2.5m, await grid.Rpc.Call<decimal>(grid.Node, "prices.of", ["tea"]));
        }
        finally
        {
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
