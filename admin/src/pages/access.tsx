export function AccessPage({ params }: { params: string[] }) {
  return <h1>Access {params.join("/")}</h1>;
}
