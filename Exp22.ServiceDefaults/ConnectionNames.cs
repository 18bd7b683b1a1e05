namespace Exp22.ServiceDefaults;

public static class ConnectionNames
{
    // Aspire's resource name: the AppHost sets ConnectionStrings__exp22db.
    public const string Database = "exp22db";
}
