namespace ProcessGrid.Tests.Silo;

/// <summary>The node executable, run as a real OS process: what it says at start, and how it stops.</summary>
public sealed class SiloExecutableTests
{
    [Fact]
    public async Task Starts_with_embedded_defaults_says_what_it_is_and_stops_cleanly_on_SIGTERM()
    {
        await using var silo = SiloProcess.Start();
        await silo.WaitForOutput("Stop it with Ctrl+C"); // The banner's last line.
        Assert.Contains("grid@localhost", silo.Output);
        Assert.Contains("is running", silo.Output);

        silo.Terminate();

        Assert.Equal(0, await silo.WaitForExit());
        Assert.Contains("shutting down process trees", silo.Output);
        Assert.Contains("stopped", silo.Output);
    }

    [Fact]
    public async Task A_bad_setting_is_refused_at_start_with_a_message_that_names_it()
    {
        await using var silo = SiloProcess.Start("--ProcessGrid:NodeName=not a node name");

        Assert.Equal(1, await silo.WaitForExit());
        Assert.Contains("ProcessGrid:NodeName", silo.Output);
        Assert.DoesNotContain("is running", silo.Output);
    }
}
