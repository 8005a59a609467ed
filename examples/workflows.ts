// Your worker's workflows module: your own workflows, plus foreshock's, re-exported from the
// sandbox-safe entry so they run on your task queue.
export * from 'foreshock/workflows';

export async function myOwnWorkflow(name: string): Promise<string> {
  return `hello ${name}`;
}
