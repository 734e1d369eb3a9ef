namespace ProcessGrid.Tests.Infrastructure;

/// <summary>One real PostgreSQL server for a test class (its tests take a fresh database each); removed after the class.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The running server.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture has not started its server yet.");

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
