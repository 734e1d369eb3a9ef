using ProcessGrid.Silo;

// A ProcessGrid node. With no configuration it runs a single node named grid@localhost; settings come from
// appsettings.json, environment variables (ProcessGrid__NodeName=...) and the command line (--ProcessGrid:NodeName=...).
return await SiloProgram.RunAsync(args);
