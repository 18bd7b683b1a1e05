namespace Exp22.AppHost.Model;

/// <summary>The fluent handle <c>Add…</c> returns, as in Aspire's <c>IResourceBuilder&lt;T&gt;</c>.</summary>
public sealed class ResourceBuilder<T>(DistributedApplicationBuilder application, T resource) where T : Resource
{
    public DistributedApplicationBuilder Application { get; } = application;

    public T Resource { get; } = resource;
}
