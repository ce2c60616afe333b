/**
 * Trade bills (reference §7): `GET /v3/bill/tradebill` answers the SHA-1 of the uncompressed bill and
 * a short-lived download_url; `GET /v3/billdownload/file?token=…` (a signed request, an unsigned
 * answer without Request-ID) gives the bytes, gzipped for `tar_type=GZIP`. The CSV is the v2 bill.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { billText, type BillType } from '../bill';
import { DAY_MS, addMonths, billDay, parseBillDay } from '../time';
import { invalidRequest, paramError, V3Error } from './errors';
import type { V3Scope } from './scope';

interface Download {
  mchid: string;
  bytes: Buffer;
  gzip: boolean;
  expiresAt: number;
}

export const PRODUCTION_HOST = 'https://api.mch.weixin.qq.com';

export class BillDownloads {
  private readonly tokens = new Map<string, Download>();

  /** Applies for a bill; `baseUrl` is the sandbox's own URL (used when configured instead of production). */
  apply(scope: V3Scope, query: URLSearchParams, baseUrl: string): Record<string, unknown> {
    const { ctx, config, merchant } = scope;
    const date = query.get('bill_date');
    if (!date) {
      throw paramError('输入源“/query/bill_date”映射到字段“账单日期”必填性规则校验失败，此字段为必填项', {
        location: 'query',
      });
    }
    const type = query.get('bill_type') ?? 'ALL';
    const tarType = query.get('tar_type');
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    const dayStart = m ? parseBillDay(`${m[1]}${m[2]}${m[3]}`) : null;
    if (dayStart === null)
      throw paramError('账单日期格式错误，应为yyyy-MM-DD', { location: 'query', value: date });
    if (!['ALL', 'SUCCESS', 'REFUND'].includes(type)) {
      throw paramError('账单类型错误', { location: 'query', value: type });
    }
    if (tarType !== null && tarType !== 'GZIP')
      throw paramError('压缩类型错误', { location: 'query', value: tarType });
    const now = ctx.clock.now();
    const todayStart = parseBillDay(billDay(now)) as number;
    const history = ctx.config.billHistoryMonths;
    if (dayStart >= todayStart || dayStart < addMonths(todayStart, -history)) {
      throw invalidRequest(`账单日期不合法，只能下载${history}个月内的账单`);
    }
    if (now < dayStart + DAY_MS + ctx.config.billAvailableHour * 3600_000) {
      throw new V3Error(400, 'STATEMENT_CREATING', '账单生成中');
    }
    // A direct merchant's bill: its own appid and mchid, no sub-merchant column.
    const direct = {
      ...ctx,
      config: { ...ctx.config, billAppidColumn: 'sub', billMchColumns: 'sub-zero' },
    } as const;
    const text = billText(direct, type as BillType, dayStart, merchant.mchid);
    if (text === null) throw new V3Error(config.noStatementStatus, 'NO_STATEMENT_EXIST', '账单文件不存在');
    const bytes = Buffer.from(text, 'utf8');
    const token = randomBytes(48).toString('base64url');
    const gzip = tarType === 'GZIP';
    this.tokens.set(token, { mchid: merchant.mchid, bytes, gzip, expiresAt: now + config.billTokenTtlMs });
    const host = config.billDownloadHost === 'production' ? PRODUCTION_HOST : baseUrl;
    return {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(bytes).digest('hex'),
      download_url: `${host}/v3/billdownload/file?token=${token}${gzip ? '&tartype=gzip' : ''}`,
    };
  }

  download(scope: V3Scope, query: URLSearchParams): { body: Buffer; contentType: string } {
    const token = query.get('token') ?? '';
    const entry = this.tokens.get(token);
    const now = scope.ctx.clock.now();
    if (!entry || entry.expiresAt <= now) {
      if (entry) this.tokens.delete(token);
      throw invalidRequest('下载链接已失效，请重新申请');
    }
    if (entry.mchid !== scope.authMchid) throw new V3Error(403, 'NO_AUTH', '无权下载该账单');
    return entry.gzip
      ? { body: gzipSync(entry.bytes), contentType: 'application/x-gzip' }
      : { body: entry.bytes, contentType: 'text/plain; charset=utf-8' };
  }
}
