using Exp22.AppHost;
using Exp22.AppHost.Model;

var builder = DistributedApplication.CreateBuilder(args);
AppModelDefinition.Build(builder);
await builder.Build().RunAsync();
