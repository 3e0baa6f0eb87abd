import { useEffect, useState } from "react";

export interface Invoice {
  id: string;
  customer: string;
  amountCents: number;
  currency: "EUR" | "USD" | "GBP";
  dueDate: string; // ISO 8601
  paid: boolean;
}

const formatter = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" });

export function overdue(invoices: Invoice[], today: Date = new Date()): Invoice[] {
  return invoices
    .filter((invoice) => !invoice.paid && new Date(invoice.dueDate) < today)
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate));
}

export function useInvoices(customerId: string) {
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    fetch(`/api/customers/${encodeURIComponent(customerId)}/invoices`)
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return response.json() as Promise<Invoice[]>;
      })
      .then((data) => {
        if (!cancelled) setInvoices(data);
      })
      .catch((reason: Error) => !cancelled && setError(reason.message));
    return () => {
      cancelled = true;
    };
  }, [customerId]);

  const total = invoices.reduce((sum, invoice) => sum + invoice.amountCents, 0);
  return { invoices, error, total: formatter.format(total / 100) };
}
