import { useI18n } from '../i18n';

export const PAYMENT_METHODS = [
  'pm_card_ok',
  'pm_card_declined',
  'pm_card_insufficient_funds',
  'pm_card_provider_error',
  'pm_card_timeout',
] as const;

export function PaymentMethods({ value, onChange, name = 'payment_method' }: { value: string; onChange: (v: string) => void; name?: string }) {
  const { t } = useI18n();
  return (
    <fieldset className="payment-methods">
      <legend>{t('checkout.payment')}</legend>
      <p className="muted small">{t('checkout.testCards')}</p>
      {PAYMENT_METHODS.map((pm) => (
        <label key={pm} className={value === pm ? 'radio-card selected' : 'radio-card'}>
          <input type="radio" name={name} value={pm} checked={value === pm} onChange={() => onChange(pm)} />
          <span>{t(`checkout.pm.${pm}`)}</span>
        </label>
      ))}
    </fieldset>
  );
}
