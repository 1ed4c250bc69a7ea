#!/usr/bin/env python3
"""Writes reference-db/ndaa889.toml: the NDAA FY2019 Section 889 entities with their OUIs taken
from the shipped IEEE registry (reference-db/oui.txt). Re-run after `cybriq refdb import-oui`:

    python3 scripts/gen-ndaa889.py > reference-db/ndaa889.toml

The entity list (names, relations, statuses, patterns, sources) is maintained here; the OUIs are
every registry assignment whose organisation matches the entity's `oui_org` expression.
"""
import re, sys, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
S889 = "John S. McCain NDAA for FY2019, Pub. L. 115-232, s. 889(f)(3); FAR 52.204-25; FCC Covered List (https://www.fcc.gov/supplychain/coveredlist)"

E = [
 dict(name="Huawei Technologies Company", group="Huawei", relation="covered", status="prohibited",
      patterns=[r"\bhuawei\b"], oui_org=r"^huawei technologies co|^huawei symantec",
      source=S889 + " (s. 889(f)(3)(A): Huawei Technologies Company)",
      note="Includes Huawei Symantec Technologies (joint venture, wholly owned by Huawei from 2012)."),
 dict(name="Huawei Device Co., Ltd.", group="Huawei", relation="subsidiary", status="prohibited",
      patterns=[r"\bhuawei device\b"], oui_org=r"^huawei device co",
      source="FCC Covered List: Huawei Technologies Company 'and its subsidiaries and affiliates'; Huawei Investment & Holding Co. annual report (principal subsidiaries: Huawei Device Co., Ltd.)",
      note="Huawei's consumer-device subsidiary (phones, tablets, CPE)."),
 dict(name="HiSilicon Technologies", group="Huawei", relation="subsidiary", status="prohibited",
      patterns=[r"\bhisilicon\b"], oui_org=None,
      source="U.S. Department of Commerce Entity List, 84 FR 22961 (2019-05-21), Huawei affiliates incl. HiSilicon Technologies",
      note="Huawei's semiconductor subsidiary."),
 dict(name="Honor Device Co., Ltd.", group="Huawei", relation="former-subsidiary", status="unknown",
      patterns=[r"^honor device"], oui_org=r"^honor device co",
      source="Huawei press release 2020-11-17: sale of the Honor business to Shenzhen Zhixin New Information Technology",
      note="Huawei sub-brand until November 2020: devices made before the sale may be Huawei-produced; check the model's production date."),
 dict(name="ZTE Corporation", group="ZTE", relation="covered", status="prohibited",
      patterns=[r"\bzte\b", r"\bzhongxing telecom\b"], oui_org=r"^zte corporation$|^zhongxing telecom|^shanghai zte technologies",
      source=S889 + " (s. 889(f)(3)(A): ZTE Corporation)",
      note="ZHONGXING TELECOM is ZTE's legal name; Shanghai ZTE Technologies is a ZTE subsidiary."),
 dict(name="Hytera Communications Corporation", group="Hytera", relation="covered", status="prohibited",
      patterns=[r"\bhytera\b"], oui_org=r"^hytera communications",
      source=S889 + " (s. 889(f)(3)(B): Hytera Communications Corporation)", note=""),
 dict(name="Norsat International Inc.", group="Hytera", relation="subsidiary", status="prohibited",
      patterns=[r"\bnorsat\b"], oui_org=r"^norsat international",
      source="Norsat International press release 2017-07-10: acquisition by Hytera Communications completed",
      note="Satellite and radio equipment maker owned by Hytera since 2017."),
 dict(name="Sepura", group="Hytera", relation="subsidiary", status="unknown",
      patterns=[r"\bsepura\b"], oui_org=r"^sepura",
      source="Hytera Communications announcement 2017-04: acquisition of Sepura plc",
      note="TETRA radio maker acquired by Hytera in 2017; its ownership has since been subject to UK national-security review: confirm the current owner and the product's origin."),
 dict(name="Hangzhou Hikvision Digital Technology Company", group="Hikvision", relation="covered", status="prohibited",
      patterns=[r"\bhikvision\b"], oui_org=r"^hangzhou hikvision",
      source=S889 + " (s. 889(f)(3)(B): Hangzhou Hikvision Digital Technology Company)", note=""),
 dict(name="Prama Hikvision India", group="Hikvision", relation="affiliate", status="prohibited",
      patterns=[r"\bprama hikvision\b"], oui_org=r"^prama hikvision",
      source="Hikvision annual report: Prama Hikvision India Private Limited (joint venture manufacturing Hikvision products)",
      note=""),
 dict(name="EZVIZ", group="Hikvision", relation="subsidiary", status="prohibited",
      patterns=[r"\bezviz\b"], oui_org=r"^hangzhou ezviz",
      source="Hikvision annual report 2022: Hangzhou EZVIZ Network Co., Ltd., a controlled subsidiary (smart-home cameras)",
      note=""),
 dict(name="Hikrobot", group="Hikvision", relation="subsidiary", status="prohibited",
      patterns=[r"\bhikrobot\b"], oui_org=r"^hangzhou hikrobot",
      source="Hikvision annual report 2022: Hangzhou Hikrobot Co., Ltd., a controlled subsidiary (machine vision, mobile robots)",
      note=""),
 dict(name="LTS (LT Security)", group="Hikvision", relation="oem-brand", status="prohibited",
      patterns=[r"^lt ?security\b", r"^lts\b"], oui_org=r"^lt security",
      source="IPVM, 'Hikvision OEM Directory' (ipvm.com): LTS sells Hikvision-made cameras and recorders under its brand",
      note="White-label brand of Hikvision-made equipment: it resolves to Hikvision (prohibited), as the FCC Covered List covers equipment produced by Hikvision whatever the label; an analyst who has confirmed a model is not Hikvision-made suppresses it."),
 dict(name="Zhejiang Dahua Technology Company", group="Dahua", relation="covered", status="prohibited",
      patterns=[r"\bzhejiang dahua\b", r"\bdahua technology\b", r"^dahua$"], oui_org=r"^zhejiang dahua",
      source=S889 + " (s. 889(f)(3)(B): Dahua Technology Company)", note=""),
 dict(name="Imou (Hangzhou Huacheng Network Technology)", group="Dahua", relation="subsidiary", status="prohibited",
      patterns=[r"\bimou\b", r"\bhuacheng network\b", r"\blechange\b"], oui_org=r"^hangzhou huacheng network",
      source="Zhejiang Dahua Technology annual report: Hangzhou Huacheng Network Technology Co., Ltd. (Imou / Lechange consumer brand), a subsidiary",
      note=""),
 dict(name="Lorex Technology", group="Dahua", relation="former-subsidiary", status="unknown",
      patterns=[r"\blorex\b"], oui_org=r"^lorex technology",
      source="Dahua acquisition of Lorex Technology (2018) and its sale to SkyWatch (2023), as reported by IPVM",
      note="Dahua-owned 2018-2023 and long a Dahua OEM: check the model and its production date."),
 dict(name="Amcrest", group="Dahua", relation="oem-brand", status="prohibited",
      patterns=[r"\bamcrest\b"], oui_org=r"^amcrest",
      source="IPVM, 'Dahua OEM Directory' (ipvm.com): Amcrest sells Dahua-made cameras and recorders under its brand",
      note="White-label brand of Dahua-made equipment: it resolves to Dahua (prohibited), as the FCC Covered List covers equipment produced by Dahua whatever the label; an analyst who has confirmed a model is not Dahua-made suppresses it."),
]

def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

def lit(s):
    assert "'" not in s
    return "'" + s + "'"

orgs = []
for line in (ROOT / "reference-db/oui.txt").read_text().splitlines():
    if line.startswith("#"):
        continue
    p, o = line.split("\t", 1)
    orgs.append((p, o))

out = sys.stdout
out.write("""# NDAA FY2019 Section 889 list: covered entities, subsidiaries, affiliates and OEM brands.
# Generated by scripts/gen-ndaa889.py from its entity table and reference-db/oui.txt (IEEE
# registry); edit the script, not this file. Format: see reference-db/README.md.
format = "cybriq-ndaa889"
version = 1
updated = "2026-11-22"
""")
for e in E:
    ouis = []
    if e["oui_org"]:
        r = re.compile(e["oui_org"], re.I)
        ouis = sorted(p for p, o in orgs if r.search(o))
        if not ouis:
            sys.exit(f"no OUI for {e['name']}")
    out.write("\n[[entity]]\n")
    out.write(f"name = {q(e['name'])}\ngroup = {q(e['group'])}\nrelation = {q(e['relation'])}\nstatus = {q(e['status'])}\n")
    out.write("patterns = [" + ", ".join(lit(p) for p in e["patterns"]) + "]\n")
    out.write(f"source = {q(e['source'])}\n")
    if e["note"]:
        out.write(f"note = {q(e['note'])}\n")
    if ouis:
        out.write("ouis = [\n")
        for i in range(0, len(ouis), 8):
            out.write("  " + ", ".join(q(p) for p in ouis[i:i+8]) + ",\n")
        out.write("]\n")
