export function DataModelPage({ params }: { params: string[] }) {
  return <h1>DataModel {params.join("/")}</h1>;
}
