using Microsoft.Extensions.Hosting;

namespace ProcessGrid.Client.Hosting;

/// <summary>Connects the client when the host starts and closes it when the host stops.</summary>
internal sealed class GridClientHostedService(GridClientOptions options, IServiceProvider services, ILoggerFactory? loggerFactory) : IHostedService
{
    private GridClient? _client;

    /// <summary>The connected client.</summary>
    /// <exception cref="InvalidOperationException">The host has not started yet.</exception>
    public GridClient Client => _client ?? throw new InvalidOperationException(
        "The grid client connects when the host starts: resolve GridClient (or IProcessGrid) after the host has started.");

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken) =>
        _client = await GridClient.ConnectAsync(options, services, loggerFactory, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => _client?.CloseAsync(cancellationToken) ?? Task.CompletedTask;
}
