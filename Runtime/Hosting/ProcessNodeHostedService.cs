using Microsoft.Extensions.Hosting;

namespace ProcessGrid.Runtime.Hosting;

/// <summary>Starts the node with the host and stops it gracefully when the host stops (Ctrl+C, SIGTERM).</summary>
internal sealed class ProcessNodeHostedService(ProcessNode node) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => node.StartNodeAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync(cancellationToken);
}
