export function ContentPage({ params }: { params: string[]; me: import("../app").Me }) {
  return <h1>Content {params.join("/")}</h1>;
}
